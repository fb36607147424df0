import authenticate from "./authenticate.ts";
import checkToken from "./check-token.ts";
import consumeToken from "./consume-token.ts";
import dbDelete from "./db-delete.ts";
import dbInsert from "./db-insert.ts";
import dbQuery from "./db-query.ts";
import dbSelect from "./db-select.ts";
import dbUpdate from "./db-update.ts";
import type { AnyAction } from "./define-action.ts";
import fail from "./fail.ts";
import findUser from "./find-user.ts";
import grantRole from "./grant-role.ts";
import hashPassword from "./hash-password.ts";
import issueRefreshToken from "./issue-refresh-token.ts";
import issueToken from "./issue-token.ts";
import listEndpoints from "./list-endpoints.ts";
import listRoles from "./list-roles.ts";
import listSessions from "./list-sessions.ts";
import log from "./log.ts";
import oidcAuthorize from "./oidc-authorize.ts";
import oidcCallback from "./oidc-callback.ts";
import rateLimit from "./rate-limit.ts";
import respond from "./respond.ts";
import retryMail from "./retry-mail.ts";
import revokeRefreshTokens from "./revoke-refresh-tokens.ts";
import revokeRole from "./revoke-role.ts";
import rotateRefreshToken from "./rotate-refresh-token.ts";
import sendMail from "./send-mail.ts";
import signJwt from "./sign-jwt.ts";
import totpConfirm from "./totp-confirm.ts";
import totpEnrol from "./totp-enrol.ts";
import totpRemove from "./totp-remove.ts";
import totpVerify from "./totp-verify.ts";
import validate from "./validate.ts";

const all = [
  validate,
  fail,
  respond,
  log,
  dbQuery,
  dbInsert,
  dbUpdate,
  dbSelect,
  dbDelete,
  rateLimit,
  hashPassword,
  authenticate,
  findUser,
  signJwt,
  issueRefreshToken,
  rotateRefreshToken,
  revokeRefreshTokens,
  listSessions,
  issueToken,
  checkToken,
  consumeToken,
  totpEnrol,
  totpConfirm,
  totpVerify,
  totpRemove,
  grantRole,
  revokeRole,
  oidcAuthorize,
  oidcCallback,
  sendMail,
  retryMail,
  listRoles,
  listEndpoints,
];

/** Every built-in action by name: the loader, the endpoint-file schema and the docs all read this one list. */
export const builtinActions: ReadonlyMap<string, AnyAction> = new Map(all.map((action) => [action.name, action as AnyAction]));
