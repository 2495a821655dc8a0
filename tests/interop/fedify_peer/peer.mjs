// A remote server fedhub did not write: one Fedify actor, alice, on 127.0.0.1, steered by tests.
//
//   node peer.mjs [PORT]      (PORT 0 or absent: any free port; FEDIFY_PEER_PORT works too)
//
// It prints one JSON line on stdout once it listens: {"ready": true, "port": ..., "origin": ...,
// "actor": ...}. Everything else (Fedify's own logs, including why it refused a request) goes to
// stderr. Fedify verifies every incoming activity itself (HTTP Signatures, and that the key
// belongs to the activity's actor) before calling an inbox listener, so what /_control/received
// lists is exactly what Fedify accepted.
//
// The control API, JSON over HTTP on the same port:
//   POST /_control/lookup  {"target": URL}  -> the object as Fedify's vocabulary parsed it
//   POST /_control/collection {"target": URL} -> a collection and every item, page by page
//   POST /_control/webfinger {"resource": URL} -> the JRD, as Fedify's WebFinger client read it
//   POST /_control/follow  {"target": URL}  -> alice sends Follow to that actor
//   POST /_control/unfollow {"target": URL} -> alice sends Undo(Follow) to that actor
//   POST /_control/publish {"content": HTML, "language"?: "en"} -> Create(Note) to her followers
//   GET  /_control/received                 -> every verified activity alice's inboxes got
//   GET  /_control/state                    -> her followers and whom she follows (and its state)

import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import process from "node:process";
import {
  Accept,
  Activity,
  Collection,
  Create,
  Endpoints,
  Follow,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Reject,
  Undo,
  createFederation,
  generateCryptoKeyPair,
  isActor,
  LanguageString,
  lookupWebFinger,
  MemoryKvStore,
} from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import { configure, getLogger, getTextFormatter } from "@logtape/logtape";

const IDENTIFIER = "alice";
const formatter = getTextFormatter();
const stderrSink = (record) => process.stderr.write(formatter(record));

await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { stderr: stderrSink },
  loggers: [
    { category: ["fedify"], sinks: ["stderr"], lowestLevel: "warning" },
    // Fedify explains a refused request at "debug" only under sig/ (digest, date, key, message).
    // "override": a record is written once, not again by the parent's sink.
    {
      category: ["fedify", "sig"],
      sinks: ["stderr"],
      parentSinks: "override",
      lowestLevel: "debug",
    },
    // fedhub signs no Object Integrity Proofs; Fedify says so at "debug", then checks HTTP sigs.
    {
      category: ["fedify", "sig", "proof"],
      sinks: ["stderr"],
      parentSinks: "override",
      lowestLevel: "info",
    },
    { category: ["peer"], sinks: ["stderr"], lowestLevel: "info" },
    { category: ["logtape", "meta"], sinks: ["stderr"], lowestLevel: "warning" },
  ],
});
const log = getLogger(["peer"]);

const requested = Number.parseInt(process.argv[2] ?? process.env.FEDIFY_PEER_PORT ?? "0", 10);
const server = createServer();
await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(requested, "127.0.0.1", resolve);
});
const port = server.address().port;
const origin = `http://127.0.0.1:${port}`;

// RSA signs HTTP requests (and Linked Data Signatures); Ed25519 signs Object Integrity Proofs
// (FEP-8b32), as in every Fedify app deployed (Hollo, Ghost...), so fedhub receives both kinds.
const keyPairs = [
  await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"),
  await generateCryptoKeyPair("Ed25519"),
];

// Everything alice knows, in memory: the test reads it back through /_control.
const followers = new Map(); // follower actor id -> Recipient {id, inboxId, endpoints}
const following = new Map(); // followed actor id -> {follow: Follow id, state}
const sentFollows = new Map(); // followed actor id -> the Follow alice sent, for its Undo
const received = []; // verified activities, summarised, in arrival order
const inboxErrors = []; // errors thrown by inbox listeners (after verification)
const notes = new Map(); // note id -> Note, so that alice's posts dereference

const federation = createFederation({
  kv: new MemoryKvStore(),
  origin,
  allowPrivateAddress: true, // loopback is a private address; only tests run this peer
  skipSignatureVerification: false,
  // No message queue: sendActivity() delivers before it returns, and throws if the peer refuses.
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== IDENTIFIER) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Alice Fedify",
      summary: "A Fedify actor that fedhub's interoperability tests talk to.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      outbox: ctx.getOutboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((key) => key.multikey),
      manuallyApprovesFollowers: false,
    });
  })
  .setKeyPairsDispatcher(async (_ctx, identifier) =>
    identifier === IDENTIFIER ? keyPairs : [],
  )
  .mapHandle((_ctx, username) => (username === IDENTIFIER ? IDENTIFIER : null));

federation.setFollowersDispatcher("/users/{identifier}/followers", async (_ctx, identifier) =>
  identifier === IDENTIFIER ? { items: [...followers.values()] } : null,
);

federation.setOutboxDispatcher("/users/{identifier}/outbox", async (ctx, identifier) => {
  if (identifier !== IDENTIFIER) return null;
  const items = [...notes.values()].map(
    (note) =>
      new Create({
        id: new URL(`${note.id.href}#create`),
        actor: ctx.getActorUri(IDENTIFIER),
        object: note,
        tos: note.toIds,
        ccs: note.ccIds,
        published: note.published,
      }),
  );
  return { items };
});

// Posts are served only to signed fetches, as Mastodon's authorized fetch ("secure mode") does;
// the actor stays public, since a verifier must be able to fetch its key.
federation
  .setObjectDispatcher(Note, "/users/{identifier}/notes/{id}", (ctx, values) => {
    if (values.identifier !== IDENTIFIER) return null;
    return notes.get(ctx.getObjectUri(Note, values).href) ?? null;
  })
  .authorize((_ctx, _values, _signedKey, signedKeyOwner) => signedKeyOwner != null);

federation.setNodeInfoDispatcher("/nodeinfo/2.1", () => ({
  software: { name: "fedify-peer", version: "1.5.9" },
  protocols: ["activitypub"],
  usage: { users: { total: 1 }, localPosts: notes.size, localComments: 0 },
}));

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    const entry = await record(follow);
    if (follow.objectId?.href !== ctx.getActorUri(IDENTIFIER).href) return;
    const follower = await follow.getActor(ctx);
    if (!isActor(follower) || follower.id == null || follower.inboxId == null) {
      entry.problem = "the follower is not an actor with an id and an inbox";
      return;
    }
    followers.set(follower.id.href, {
      id: follower.id,
      inboxId: follower.inboxId,
      endpoints: follower.endpoints,
    });
    const accept = new Accept({
      id: new URL(`${ctx.getActorUri(IDENTIFIER).href}/accepts/${randomUUID()}`),
      actor: ctx.getActorUri(IDENTIFIER),
      object: follow,
      to: follower.id,
    });
    await ctx.sendActivity({ identifier: IDENTIFIER }, follower, accept);
  })
  .on(Accept, async (ctx, accept) => {
    await record(accept);
    await answerFollow(ctx, accept, "accepted");
  })
  .on(Reject, async (ctx, reject) => {
    await record(reject);
    await answerFollow(ctx, reject, "rejected");
  })
  .on(Undo, async (ctx, undo) => {
    await record(undo);
    const object = await undo.getObject(ctx);
    if (object instanceof Follow && undo.actorId != null) followers.delete(undo.actorId.href);
  })
  .on(Activity, async (_ctx, activity) => {
    await record(activity);
  })
  .onError((_ctx, error) => {
    inboxErrors.push(String(error?.stack ?? error));
    log.error("An inbox listener failed: {error}", { error });
  });

/** An Accept or Reject of one of alice's Follows changes that follow's state. */
async function answerFollow(ctx, answer, state) {
  const object = await answer.getObject(ctx).catch(() => null);
  const followId = object?.id?.href ?? answer.objectId?.href;
  for (const [actorId, entry] of following) {
    if (entry.follow === followId || (answer.actorId?.href === actorId && object == null)) {
      entry.state = state;
    }
  }
}

/** Keep what Fedify made of a verified activity, in plain JSON the test can assert on. */
async function record(activity) {
  const entry = await describeActivity(activity);
  received.push(entry);
  return entry;
}

async function describeActivity(activity) {
  const entry = {
    type: typeName(activity),
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    objectId: activity.objectId?.href ?? null,
    to: activity.toIds.map((url) => url.href),
    cc: activity.ccIds.map((url) => url.href),
  };
  try {
    const object = await activity.getObject();
    if (object != null) entry.object = await describe(object);
  } catch (error) {
    entry.objectError = String(error);
    log.warn("Could not read the object of {id}: {error}", { id: entry.id, error });
  }
  return entry;
}

/** An ActivityStreams object as Fedify's vocabulary classes read it. */
async function describe(object) {
  const description = {
    type: typeName(object),
    id: object.id?.href ?? null,
    attributedTo: object.attributionIds.map((url) => url.href),
    to: object.toIds.map((url) => url.href),
    cc: object.ccIds.map((url) => url.href),
    published: object.published?.toString() ?? null,
    updated: object.updated?.toString() ?? null,
    name: text(object.name),
    nameMap: languageMap(object.names),
    summary: text(object.summary),
    summaryMap: languageMap(object.summaries),
    content: text(object.content),
    contentMap: languageMap(object.contents),
    mediaType: object.mediaType ?? null,
    url: linkHref(object.url),
    urls: object.urls.map(linkHref),
  };
  if (object instanceof Activity) {
    description.actor = object.actorId?.href ?? null;
    description.objectId = object.objectId?.href ?? null;
    return description;
  }
  description.startTime = object.startTime?.toString() ?? null;
  description.endTime = object.endTime?.toString() ?? null;
  description.attachments = await collect(object.getAttachments(), async (item) =>
    item instanceof URL
      ? { type: "URL", href: item.href }
      : {
          type: typeName(item),
          name: text(item.name),
          mediaType: item.mediaType ?? null,
          url: linkHref(item.url),
          href: item.href?.href ?? null,
        },
  );
  description.tags = await collect(object.getTags(), async (tag) => ({
    type: typeName(tag),
    name: text(tag.name),
    href: tag.href?.href ?? null,
  }));
  description.locations = await collect(object.getLocations(), async (place) => ({
    type: typeName(place),
    id: place.id?.href ?? null,
    name: text(place.name),
    latitude: place.latitude ?? null,
    longitude: place.longitude ?? null,
    url: linkHref(place.url ?? null),
  }));
  description.source = object.source
    ? { content: text(object.source.content), mediaType: object.source.mediaType }
    : null;
  return description;
}

async function collect(iterable, map) {
  const items = [];
  try {
    for await (const item of iterable) items.push(await map(item));
  } catch (error) {
    items.push({ error: String(error) });
  }
  return items;
}

function typeName(object) {
  const typeId = object?.constructor?.typeId;
  if (typeId == null) return object?.constructor?.name ?? typeof object;
  return typeId.href.replace(/^.*[#/]/, "");
}

function text(value) {
  return value == null ? null : value.toString();
}

/** `nameMap`/`contentMap`: language-tagged values by tag; an untagged one under "und". */
function languageMap(values) {
  const map = {};
  for (const value of values) {
    const lang = value.language ? value.language.compact() : "und";
    map[lang] = value.toString();
  }
  return map;
}

function linkHref(value) {
  if (value == null) return null;
  if (value instanceof URL) return value.href;
  return value.href?.href ?? null;
}

async function describeActor(ctx, actor) {
  const description = {
    type: typeName(actor),
    id: actor.id?.href ?? null,
    preferredUsername: text(actor.preferredUsername),
    name: text(actor.name),
    summary: text(actor.summary),
    url: linkHref(actor.url),
    inbox: actor.inboxId?.href ?? null,
    outbox: actor.outboxId?.href ?? null,
    followers: actor.followersId?.href ?? null,
    following: actor.followingId?.href ?? null,
    sharedInbox: actor.endpoints?.sharedInbox?.href ?? null,
    manuallyApprovesFollowers: actor.manuallyApprovesFollowers ?? null,
    published: actor.published?.toString() ?? null,
  };
  try {
    const key = await actor.getPublicKey(ctx);
    description.publicKey = key && {
      id: key.id?.href ?? null,
      owner: key.ownerId?.href ?? null,
      algorithm: key.publicKey?.algorithm?.name ?? null,
    };
  } catch (error) {
    description.publicKey = { error: String(error) };
  }
  return description;
}

// ----------------------------------------------------------------------- the control API

async function control(request, ctx) {
  const path = new URL(request.url).pathname;
  if (request.method === "GET" && path === "/_control/received") {
    return json({ activities: received, errors: inboxErrors });
  }
  if (request.method === "GET" && path === "/_control/state") {
    return json({
      actor: ctx.getActorUri(IDENTIFIER).href,
      followers: [...followers.keys()],
      following: Object.fromEntries(following),
    });
  }
  if (request.method !== "POST") return json({ error: "not found" }, 404);
  const body = await request.json().catch(() => ({}));
  if (path === "/_control/lookup") {
    const object = await ctx.lookupObject(body.target);
    if (object == null) return json({ error: `Fedify found no object at ${body.target}` }, 404);
    return json(isActor(object) ? await describeActor(ctx, object) : await describe(object));
  }
  if (path === "/_control/collection") {
    const collection = await ctx.lookupObject(body.target);
    if (!(collection instanceof Collection)) {
      return json({ error: `Fedify found no collection at ${body.target}` }, 404);
    }
    const items = [];
    for await (const item of ctx.traverseCollection(collection)) {
      if (items.length >= 200) break;
      items.push(item instanceof Activity ? await describeActivity(item) : await describe(item));
    }
    return json({
      type: typeName(collection),
      id: collection.id?.href ?? null,
      totalItems: collection.totalItems ?? null,
      items,
    });
  }
  if (path === "/_control/webfinger") {
    // Fedify asks https:// for an acct: resource; an http actor URL is asked over http.
    const jrd = await lookupWebFinger(body.resource, { allowPrivateAddress: true });
    if (jrd == null) return json({ error: `no WebFinger answer for ${body.resource}` }, 404);
    return json(jrd);
  }
  if (path === "/_control/follow") {
    const target = await ctx.lookupObject(body.target);
    if (!isActor(target)) return json({ error: `Fedify found no actor at ${body.target}` }, 404);
    const follow = new Follow({
      id: new URL(`${ctx.getActorUri(IDENTIFIER).href}/follows/${randomUUID()}`),
      actor: ctx.getActorUri(IDENTIFIER),
      object: target.id,
      to: target.id,
    });
    following.set(target.id.href, { follow: follow.id.href, state: "pending" });
    sentFollows.set(target.id.href, follow);
    await ctx.sendActivity({ identifier: IDENTIFIER }, target, follow);
    return json({ follow: follow.id.href, actor: await describeActor(ctx, target) });
  }
  if (path === "/_control/unfollow") {
    const target = await ctx.lookupObject(body.target);
    const follow = target?.id && sentFollows.get(target.id.href);
    if (!isActor(target) || !follow) {
      return json({ error: `alice does not follow ${body.target}` }, 404);
    }
    const undo = new Undo({
      id: new URL(`${follow.id.href}/undo`),
      actor: ctx.getActorUri(IDENTIFIER),
      object: follow,
      to: target.id,
    });
    following.delete(target.id.href);
    sentFollows.delete(target.id.href);
    await ctx.sendActivity({ identifier: IDENTIFIER }, target, undo);
    return json({ undo: undo.id.href });
  }
  if (path === "/_control/publish") {
    const noteId = ctx.getObjectUri(Note, { identifier: IDENTIFIER, id: randomUUID() });
    const published = Temporal.Now.instant();
    const content = body.content ?? "<p>Hello from Fedify</p>";
    const note = new Note({
      id: noteId,
      attribution: ctx.getActorUri(IDENTIFIER),
      // As Mastodon writes it: `content`, and `contentMap` when the language is known.
      contents: body.language ? [content, new LanguageString(content, body.language)] : [content],
      to: PUBLIC_COLLECTION,
      cc: ctx.getFollowersUri(IDENTIFIER),
      url: noteId,
      published,
    });
    notes.set(noteId.href, note);
    const create = new Create({
      id: new URL(`${noteId.href}#create`),
      actor: ctx.getActorUri(IDENTIFIER),
      object: note,
      to: PUBLIC_COLLECTION,
      cc: ctx.getFollowersUri(IDENTIFIER),
      published,
    });
    await ctx.sendActivity({ identifier: IDENTIFIER }, "followers", create, {
      preferSharedInbox: true,
    });
    return json({ note: noteId.href, create: create.id.href, followers: [...followers.keys()] });
  }
  return json({ error: "not found" }, 404);
}

function json(value, status = 200) {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

// ------------------------------------------------------------- Node http <-> Fetch API

async function toRequest(incoming) {
  const headers = new Headers();
  for (let i = 0; i < incoming.rawHeaders.length; i += 2) {
    headers.append(incoming.rawHeaders[i], incoming.rawHeaders[i + 1]);
  }
  const init = { method: incoming.method, headers };
  if (incoming.method !== "GET" && incoming.method !== "HEAD") {
    const chunks = [];
    for await (const chunk of incoming) chunks.push(chunk);
    init.body = Buffer.concat(chunks);
  }
  return new Request(new URL(incoming.url, origin), init);
}

server.on("request", async (incoming, outgoing) => {
  let response;
  try {
    const request = await toRequest(incoming);
    if (new URL(request.url).pathname.startsWith("/_control/")) {
      response = await control(request, federation.createContext(request, undefined));
    } else {
      response = await federation.fetch(request, { contextData: undefined });
    }
  } catch (error) {
    log.error("{method} {url} failed: {error}", {
      method: incoming.method,
      url: incoming.url,
      error,
    });
    response = json({ error: String(error?.stack ?? error) }, 500);
  }
  // Fedify itself logs every answer of 400 and above (category fedify·federation·http).
  const body = Buffer.from(await response.arrayBuffer());
  outgoing.writeHead(response.status, Object.fromEntries(response.headers));
  outgoing.end(body);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}

process.stdout.write(
  `${JSON.stringify({
    ready: true,
    port,
    origin,
    actor: `${origin}/users/${IDENTIFIER}`,
  })}\n`,
);
