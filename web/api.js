// The one way the app talks to the server: fetch + JSON, errors as ApiError {status, code, message}.

const TOKEN_KEY = "brokerage.token";

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || `HTTP_${status}`;
    this.body = body;
  }
}

export function getToken() {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

// Paths the server documents in its OpenAPI schema; filled once by loadCapabilities() so the
// app can hide panels whose endpoints this server does not have instead of probing with 404s.
let known = null;

export async function loadCapabilities() {
  try {
    const spec = await request("/openapi.json", { auth: false });
    known = new Set(Object.keys(spec.paths || {}));
  } catch {
    known = new Set();
  }
  return known;
}

// `template` as the schema writes it, e.g. "/v1/candles/{symbol}".
export function has(template) {
  return known !== null && known.has(template);
}

export async function request(path, { method = "GET", body, headers = {}, auth = true,
                                      idempotencyKey, signal } = {}) {
  const h = { accept: "application/json", ...headers };
  if (body !== undefined) h["content-type"] = "application/json";
  const token = getToken();
  if (auth && token) h.authorization = `Bearer ${token}`;
  if (idempotencyKey) h["Idempotency-Key"] = idempotencyKey;
  let response;
  try {
    response = await fetch(path, { method, headers: h, signal,
                                   body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "NETWORK", "the server cannot be reached");
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { message: text }; }
  }
  if (!response.ok) {
    if (response.status === 401 && auth) window.dispatchEvent(new CustomEvent("auth:lost"));
    throw new ApiError(response.status, data && data.code, data && data.message, data);
  }
  return data;
}

export const get = (path, opts) => request(path, opts);
export const post = (path, body, opts = {}) => request(path, { ...opts, method: "POST", body });
export const patch = (path, body, opts = {}) => request(path, { ...opts, method: "PATCH", body });
export const del = (path, opts = {}) => request(path, { ...opts, method: "DELETE" });

// A fresh key per user action, so a retried click never places a second order.
export function newKey(prefix = "web") {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `${prefix}-${Date.now().toString(36)}-${random[0].toString(36)}${random[1].toString(36)}`;
}
