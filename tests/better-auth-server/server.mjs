// A real Better Auth server for the interoperability tests of better-auth-rs.
//
// Configured by one JSON document in the BA_CONFIG environment variable:
//   {
//     "database": {"kind": "sqlite", "path": "/tmp/x.db"}
//               | {"kind": "postgres", "url": "postgres://..."}
//               | {"kind": "mysql", "url": "mysql://..."},
//     "redis": {"url": "redis://127.0.0.1:6379", "keyPrefix": "better-auth:"},  // secondaryStorage
//     "secret": "...",              // or set BETTER_AUTH_SECRET / BETTER_AUTH_SECRETS
//     "plugins": {"bearer": {}, "admin": {}, "jwt": {...}, "multiSession": {}, "apiKey": {},
//                 "organization": {}, "oauthProvider": {...}},
//     "options": {...},             // merged into betterAuth({...}) as is
//     "accessControl": {"admin": {"<role>": {"<resource>": ["<action>"]}}, "organization": {...}}
//   }
// `accessControl` holds static role definitions in the JSON format better-auth-rs reads
// (BETTER_AUTH_ACCESS_CONTROL): a section that is present becomes that plugin's `roles` (with an
// `ac` knowing the default statements plus the ones the roles use). The organization plugin also
// gets Better Auth's default `ac` and `roles` when `dynamicAccessControl.enabled` is asked
// (without `ac` it ignores `organizationRole` rows).
// `oauthProvider` (@better-auth/oauth-provider, an OAuth 2.1 authorization server) takes its
// options as is (loginPage, consentPage, scopes, resources, accessTokenExpiresIn, ...), except
// `"clientPrivileges": "allow-all"`, which becomes `() => true` (a function cannot be JSON; it
// lets admin-created clients have client_credentials scopes). It needs `jwt` beside it (unless
// `disableJwtPlugin: true`): the server refuses to start without it. Its `resources` are seeded
// into `oauthResource` before READY (the plugin's own init may run before the table exists).
// It listens on 127.0.0.1 on a free port, creates the schema with Better Auth's own
// migrations, and prints one line `READY <baseURL>` on stdout when it accepts requests. The Rust
// harness runs it with NODE_ENV=production, as it is deployed (under `test` Better Auth skips its
// Origin and CSRF checks); the rate limiter production would turn on is off unless asked for.
import http from "node:http";

import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";
import { admin, bearer, jwt, multiSession, organization } from "better-auth/plugins";
import { createAccessControl } from "better-auth/plugins/access";
import * as adminAccess from "better-auth/plugins/admin/access";
import * as organizationAccess from "better-auth/plugins/organization/access";
import { apiKey } from "@better-auth/api-key";
import { oauthProvider } from "@better-auth/oauth-provider";

const PLUGINS = { admin, apiKey, bearer, jwt, multiSession, oauthProvider, organization };

function fail(message) {
  process.stderr.write(`better-auth-server: ${message}\n`);
  process.exit(2);
}

async function openDatabase(spec) {
  if (!spec || !spec.kind) fail("config.database.kind is required");
  if (spec.kind === "sqlite") {
    const { default: Database } = await import("better-sqlite3");
    return new Database(spec.path);
  }
  if (spec.kind === "postgres") {
    const { default: pg } = await import("pg");
    return new pg.Pool({ connectionString: spec.url, max: 10 });
  }
  if (spec.kind === "mysql") {
    const { createPool } = await import("mysql2/promise");
    return createPool({ uri: spec.url, connectionLimit: 10, timezone: "Z" });
  }
  fail(`unknown database kind ${spec.kind}`);
}

async function secondaryStorage(spec) {
  if (!spec) return {};
  const { Redis } = await import("ioredis");
  const { redisStorage } = await import("@better-auth/redis-storage");
  const client = new Redis(spec.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  const storage = redisStorage({ client, ...(spec.keyPrefix !== undefined ? { keyPrefix: spec.keyPrefix } : {}) });
  return { secondaryStorage: storage };
}

// `ac` and `roles` for a plugin from its default access module and, when given, the app's role
// definitions (`{"<role>": {"<resource>": ["<action>"]}}`), which replace the default roles.
function accessControlFor(access, definitions) {
  if (!definitions) return { ac: access.defaultAc, roles: access.defaultRoles };
  const statements = Object.fromEntries(
    Object.entries(access.defaultStatements).map(([resource, actions]) => [resource, [...actions]]),
  );
  for (const role of Object.values(definitions)) {
    for (const [resource, actions] of Object.entries(role)) {
      statements[resource] = [...new Set([...(statements[resource] || []), ...actions])];
    }
  }
  const ac = createAccessControl(statements);
  const roles = Object.fromEntries(
    Object.entries(definitions).map(([name, role]) => [name, ac.newRole(role)]),
  );
  return { ac, roles };
}

// The roles each plugin was given, for the `authorize` test hook.
const ROLES = { admin: adminAccess.defaultRoles, organization: organizationAccess.defaultRoles };

function buildPlugins(spec, accessControl) {
  const oauth = spec?.oauthProvider;
  if (oauth && !spec.jwt && !oauth.disableJwtPlugin) {
    fail("plugins.oauthProvider needs plugins.jwt (or oauthProvider.disableJwtPlugin: true)");
  }
  return Object.entries(spec || {}).map(([name, options]) => {
    const factory = PLUGINS[name];
    if (!factory) fail(`unknown plugin ${name}`);
    let pluginOptions = options || {};
    if (name === "oauthProvider" && pluginOptions.clientPrivileges !== undefined) {
      if (pluginOptions.clientPrivileges !== "allow-all") {
        fail('plugins.oauthProvider.clientPrivileges can only be "allow-all"');
      }
      pluginOptions = { ...pluginOptions, clientPrivileges: () => true };
    }
    if (name === "admin" && accessControl?.admin) {
      pluginOptions = { ...pluginOptions, ...accessControlFor(adminAccess, accessControl.admin) };
      ROLES.admin = pluginOptions.roles;
    }
    if (
      name === "organization" &&
      (accessControl?.organization || pluginOptions.dynamicAccessControl?.enabled)
    ) {
      pluginOptions = {
        ...pluginOptions,
        ...accessControlFor(organizationAccess, accessControl?.organization),
      };
      ROLES.organization = pluginOptions.roles;
    }
    return factory(pluginOptions);
  });
}

// Test hooks: server-only Better Auth calls the tests need Better Auth's own verdict from.
async function testHook(auth, req, res) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
  let result;
  try {
    if (req.url === "/__test/verify-api-key") {
      result = await auth.api.verifyApiKey({ body: { key: body.key } });
    } else if (req.url === "/__test/create-api-key") {
      // Server-side, so server-only properties (remaining, refill, rate limit) are allowed;
      // `userId` (and `organizationId` for organization-owned keys) in the body.
      result = await auth.api.createApiKey({ body });
    } else if (req.url === "/__test/api-key-row") {
      // Better Auth's own reading of the row (its adapter parses dates, booleans, numbers):
      // `null` when there is no such row.
      const context = await auth.$context;
      const row = await context.adapter.findOne({
        model: "apikey",
        where: [{ field: "id", value: body.id }],
      });
      result = { row };
    } else if (req.url === "/__test/create-organization") {
      result = await auth.api.createOrganization({ body });
    } else if (req.url === "/__test/authorize") {
      // Better Auth's own `role.authorize(request, connector)` for a role of a plugin:
      // `{"plugin": "admin"|"organization", "role", "request", "connector"}`; `{"role": null}`
      // when the plugin has no such role.
      const role = Object.hasOwn(ROLES[body.plugin], body.role) ? ROLES[body.plugin][body.role] : null;
      result = role ? role.authorize(body.request, body.connector) : { role: null };
    } else if (req.url === "/__test/add-member") {
      // Server-only: `{"organizationId", "userId", "role"}` (a role string or a list).
      result = await auth.api.addMember({ body });
    } else if (req.url === "/__test/admin-create-oauth-client") {
      // Server-only (oauth-provider): the only way to give a client client_credentials scopes.
      // `{"cookie": "<the owner's Cookie header>", "client": {...registration fields}}`.
      result = await auth.api.adminCreateOAuthClient({
        headers: { cookie: body.cookie },
        body: body.client,
      });
    } else if (req.url === "/__test/link-oauth-resource") {
      // Server-only (oauth-provider): links a client to a resource (a `resource` it may ask
      // for; tokens for it it may introspect), or unlinks it with `"unlink": true`.
      // `{"cookie", "resource", "clientId", "unlink"?}`.
      const request = {
        headers: { cookie: body.cookie },
        params: { identifier: body.resource, client_id: body.clientId },
      };
      result = body.unlink
        ? await auth.api.adminUnlinkClientResource(request)
        : await auth.api.adminLinkClientResource(request);
    } else {
      res.writeHead(404).end();
      return;
    }
  } catch (error) {
    // Better Auth threw: say so, with its status and code, rather than a verdict the test could
    // mistake for a refusal.
    result = {
      thrown: {
        status: error && error.statusCode,
        code: error && error.body && error.body.code,
        message: String(error && error.message ? error.message : error),
      },
    };
  }
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result));
}

// The oauth-provider plugin seeds its `resources` option into `oauthResource` from its init,
// which starts when `betterAuth()` is built, racing the migrations: when it looks before the
// table exists (seen: the table still empty once the migrations are done) it defers the seed
// to the first request that looks a resource up (a client registration does; the admin
// resource endpoints, such as linking a client to a resource, do not). So: wait for that
// init, run the plugin's init again now that the table exists (its seed is idempotent,
// insert-only), and check every configured resource is there.
async function seedOAuthResources(auth, options) {
  const resources = options?.resources;
  if (!resources || resources.length === 0) return;
  const context = await auth.$context;
  const plugin = context.options.plugins.find((p) => p.id === "oauth-provider");
  await plugin.init(context);
  const rows = await context.adapter.findMany({ model: "oauthResource" });
  const seeded = new Set(rows.map((row) => row.identifier));
  const missing = resources
    .map((resource) => (typeof resource === "string" ? resource : resource.identifier))
    .filter((identifier) => !seeded.has(identifier));
  if (missing.length > 0) fail(`oauth-provider resources not seeded: ${missing.join(", ")}`);
}

async function main() {
  const raw = process.env.BA_CONFIG;
  if (!raw) fail("set BA_CONFIG to a JSON document (see the header of server.mjs)");
  const config = JSON.parse(raw);

  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseURL = `http://127.0.0.1:${server.address().port}`;

  const auth = betterAuth({
    baseURL,
    ...(config.secret ? { secret: config.secret } : {}),
    ...(config.database ? { database: await openDatabase(config.database) } : {}),
    ...(await secondaryStorage(config.redis)),
    emailAndPassword: { enabled: true },
    plugins: buildPlugins(config.plugins, config.accessControl),
    logger: { level: "error" },
    telemetry: { enabled: false },
    // Production turns the rate limiter on (by client IP): the tests sign many users up from
    // 127.0.0.1 in a few seconds. A test that wants it sets `options.rateLimit`.
    rateLimit: { enabled: false },
    ...(config.options || {}),
  });

  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
  await seedOAuthResources(auth, config.plugins?.oauthProvider);

  const handler = toNodeHandler(auth);
  server.on("request", (req, res) => {
    if (req.url && req.url.startsWith("/__test/")) return testHook(auth, req, res);
    return handler(req, res);
  });
  process.stdout.write(`READY ${baseURL}\n`);

  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error) => fail(error && error.stack ? error.stack : String(error)));
