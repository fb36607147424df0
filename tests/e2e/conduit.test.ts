import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { createTestApp } from "../helpers/test-app.ts";

/** The example app examples/conduit: the RealWorld API in YAML and SQL (scripts/conduit-suite.sh runs the full Postman suite). */
const appDir = path.join(REPO_ROOT, "examples", "conduit");

/** Drops what examples/conduit/migrations creates, so its migration runs afresh on a reused PostgreSQL database. */
async function dropConduitTables(database: DatabaseHandle): Promise<void> {
  await sql`drop table if exists comments, favorites, articles, follows, profiles, trellis_app_migrations cascade`.execute(database.db);
  await sql`drop function if exists iso8601, profile_json`.execute(database.db);
}

for (const target of databaseTargets()) {
  describe(`examples/conduit (${target.name})`, () => {
    let database: DatabaseHandle;
    let app: TrellisApp;

    before(async () => {
      database = await target.open();
      await dropConduitTables(database);
      app = await createTestApp({ appDir, database });
    });
    after(async () => {
      await app.close();
      await dropConduitTables(database);
      await database.close();
    });

    const call = (method: string, route: string, token?: string, body?: unknown) =>
      app.request(`/api${route}`, {
        method,
        headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Token ${token}` } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    async function register(username: string): Promise<string> {
      const res = await call("POST", "/users", undefined, { user: { username, email: ` ${username}@Example.com`, password: "password" } });
      assert.equal(res.status, 201);
      const { user } = await res.json();
      assert.deepEqual(
        { ...user, token: typeof user.token },
        {
          email: `${username}@example.com`,
          token: "string",
          username,
          bio: null,
          image: null,
        },
      );
      return user.token;
    }

    it("register → article → list with author → favorite → comment → 403 for others → 422 envelope", async () => {
      const ann = await register(`ann${Date.now()}`);
      const bob = await register(`bob${Date.now()}`);
      const annName = (await (await call("GET", "/user", ann)).json()).user.username;

      const created = await call("POST", "/articles", ann, {
        article: {
          title: "How to train your dragon",
          description: "Ever wonder how?",
          body: "Very carefully.",
          tagList: ["training", "dragons"],
        },
      });
      assert.equal(created.status, 201);
      const { article } = await created.json();
      assert.match(article.slug, /^how-to-train-your-dragon-[a-z0-9]{6}$/);
      assert.deepEqual(article.tagList, ["dragons", "training"]);
      assert.match(article.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

      const list = await (await call("GET", `/articles?author=${annName}`, bob)).json();
      assert.equal(list.articlesCount, 1);
      assert.equal(list.articles[0].slug, article.slug);
      assert.deepEqual(list.articles[0].author, { username: annName, bio: null, image: null, following: false });
      assert.equal(list.articles[0].body, undefined, "lists leave the body out");

      const favorited = await (await call("POST", `/articles/${article.slug}/favorite`, bob)).json();
      assert.deepEqual([favorited.article.favorited, favorited.article.favoritesCount], [true, 1]);
      const anonymous = await (await call("GET", `/articles/${article.slug}`)).json();
      assert.deepEqual([anonymous.article.favorited, anonymous.article.favoritesCount], [false, 1]);

      const commented = await call("POST", `/articles/${article.slug}/comments`, bob, { comment: { body: "Thank you so much!" } });
      assert.equal(commented.status, 200);
      const { comment } = await commented.json();
      assert.equal(comment.body, "Thank you so much!");
      const comments = await (await call("GET", `/articles/${article.slug}/comments`)).json();
      assert.deepEqual(
        comments.comments.map((c: { id: number }) => c.id),
        [comment.id],
      );

      const forbidden = await call("DELETE", `/articles/${article.slug}`, bob);
      assert.equal(forbidden.status, 403);
      assert.deepEqual(await forbidden.json(), { errors: { body: ["Only its author may delete an article."] } });
      assert.equal((await call("DELETE", `/articles/${article.slug}/comments/${comment.id}`, ann)).status, 403);
      assert.equal((await call("DELETE", `/articles/${article.slug}/comments/${comment.id}`, bob)).status, 204);
      assert.equal((await call("DELETE", `/articles/${article.slug}`, ann)).status, 204);
      assert.equal((await call("GET", `/articles/${article.slug}`)).status, 404);

      const invalid = await call("POST", "/articles", ann, { article: { title: "", description: "d" } });
      assert.equal(invalid.status, 422);
      assert.deepEqual(await invalid.json(), {
        errors: { body: ["article.body is required", "article.title must NOT have fewer than 1 characters"] },
      });
      assert.equal((await call("GET", "/user")).status, 401);
    });
  });
}
