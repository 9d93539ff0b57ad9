// The event types and their JSON Schemas, as the service's own /openapi.json declares them:
// the forms are built from these, so a field added to an event type appears in them.
import { api } from "./api.js";

let loaded = null;

export function eventSchemas() {
  loaded = loaded || api("/openapi.json", {}).then(index).catch((e) => {
    loaded = null;
    throw e;
  });
  return loaded;
}

// {type: schema} with every $ref resolved and every `anyOf [X, null]` folded into X (optional).
function index(document) {
  const components = document.components.schemas;
  const resolve = (schema) => {
    if (!schema || typeof schema !== "object") return schema;
    if (schema.$ref) return resolve(components[schema.$ref.split("/").pop()]);
    if (schema.anyOf) {
      const kept = schema.anyOf.filter((s) => s.type !== "null");
      if (kept.length === 1) {
        return { ...resolve(kept[0]), ...pickDoc(schema), nullable: true };
      }
    }
    const out = { ...schema };
    if (schema.properties) {
      out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, resolve(v)]));
    }
    if (schema.items) out.items = resolve(schema.items);
    return out;
  };
  const types = {};
  for (const [type, ref] of Object.entries(components.Event.discriminator.mapping)) {
    types[type] = resolve({ $ref: ref });
  }
  return types;
}

function pickDoc(schema) {
  const out = {};
  for (const key of ["title", "description", "default"]) if (schema[key] !== undefined) out[key] = schema[key];
  return out;
}
