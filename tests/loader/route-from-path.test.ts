import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { routeFromPath, routeShape } from "../../src/loader/route-from-path.ts";

describe("routeFromPath", () => {
  it("maps auth/login.post.yaml to POST /auth/login", () => {
    assert.deepEqual(routeFromPath("auth/login.post.yaml"), { method: "post", pattern: "/auth/login", params: [] });
  });

  it("maps users/[id].get.yaml to GET /users/:id with the parameter id", () => {
    assert.deepEqual(routeFromPath("users/[id].get.yaml"), { method: "get", pattern: "/users/:id", params: ["id"] });
  });

  it("maps a [param] folder too, keeping parameters in path order", () => {
    assert.deepEqual(routeFromPath("orgs/[org]/users/[id].delete.yaml"), {
      method: "delete",
      pattern: "/orgs/:org/users/:id",
      params: ["org", "id"],
    });
  });

  it("maps index.get.yaml to /", () => {
    assert.deepEqual(routeFromPath("index.get.yaml"), { method: "get", pattern: "/", params: [] });
  });

  it("maps admin/index.get.yaml to /admin", () => {
    assert.deepEqual(routeFromPath("admin/index.get.yaml"), { method: "get", pattern: "/admin", params: [] });
  });

  it("accepts the .yml extension", () => {
    assert.deepEqual(routeFromPath("notes.put.yml"), { method: "put", pattern: "/notes", params: [] });
  });

  it("returns a message for a name without a method", () => {
    assert.equal(routeFromPath("greet.yaml"), "file name must be <name>.<method>.yaml with method one of get, post, put, patch, delete");
  });

  it("returns a message for an unknown method", () => {
    assert.equal(
      routeFromPath("greet.fetch.yaml"),
      "file name must be <name>.<method>.yaml with method one of get, post, put, patch, delete",
    );
  });

  it("returns a message for a parameter that appears twice", () => {
    assert.equal(routeFromPath("users/[id]/posts/[id].get.yaml"), 'path parameter "id" appears twice');
  });

  it("returns a message for a segment that cannot be part of a URL path", () => {
    assert.equal(routeFromPath("my notes.get.yaml"), '"my notes" is not a valid path segment: use letters, digits, . _ ~ - or [param]');
    assert.equal(routeFromPath("users/[1d].get.yaml"), '"[1d]" is not a valid path segment: use letters, digits, . _ ~ - or [param]');
  });
});

describe("routeShape", () => {
  it("gives two patterns that differ only in parameter names the same shape", () => {
    assert.equal(routeShape("/users/:id"), routeShape("/users/:uid"));
    assert.notEqual(routeShape("/users/:id"), routeShape("/users/me"));
  });
});
