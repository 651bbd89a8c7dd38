// The staff API (openapi.yaml): a bearer token, JSON bodies, errors as {error: {code, message, fields}}.

const TOKEN_KEY = "otklik.token";

/** Where the API is: window.OTKLIK_API, else <meta name="otklik-api">, else this origin. */
export function apiBase() {
  let base = typeof window.OTKLIK_API === "string" ? window.OTKLIK_API : null;
  if (base === null) {
    const meta = document.querySelector('meta[name="otklik-api"]');
    base = meta ? meta.getAttribute("content") || "" : "";
  }
  return base.replace(/\/+$/, "");
}

export class ApiError extends Error {
  constructor(status, code, message, fields = {}, { signIn = false } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields || {};
    // A 401 means the session ended, except on the sign-in request itself, whose 401 (a wrong
    // password) and 429 (too many of them) are for the official to read as the server says.
    this.signIn = signIn;
  }
}

/** Whether `error` says the official's session is over (a 401 on any request but signing in). */
export function sessionEnded(error) {
  return error instanceof ApiError && error.status === 401 && !error.signIn;
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

// The server's clock minus ours, from the Date header (countdowns count from the server's now).
let clockSkew = 0;

export function serverNow() {
  return Date.now() + clockSkew;
}

function noteServerTime(response, sentAt) {
  const header = response.headers.get("Date");
  if (!header) return;
  const server = Date.parse(header);
  if (Number.isNaN(server)) return;
  const local = (sentAt + Date.now()) / 2;
  const skew = server + 500 - local; // the header has whole seconds
  clockSkew = Math.abs(skew) > 2000 ? skew : 0;
}

/** Call the API; resolves to the parsed JSON (or the Response itself with `raw`; or
 * `{status, data}` with `withStatus`, where 200 and 201 mean different things). `signIn`: the
 * sign-in request, sent without a token; its errors never end a session (`sessionEnded`). */
export async function api(method, path, { body, raw = false, withStatus = false, signIn = false } = {}) {
  const headers = { Accept: raw ? "*/*" : "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json; charset=utf-8";
  const token = signIn ? null : session.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  const sentAt = Date.now();
  let response;
  try {
    response = await fetch(apiBase() + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(
      0,
      "network",
      "Нет связи с сервером. Проверьте подключение и повторите попытку.",
      {},
      { signIn },
    );
  }
  noteServerTime(response, sentAt);
  if (response.ok && raw) return response;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = null;
  }
  if (response.ok) {
    if (data === null) {
      throw new ApiError(response.status, "bad_response", "Сервер прислал непонятный ответ.", {}, { signIn });
    }
    return withStatus ? { status: response.status, data } : data;
  }
  const error = data && data.error ? data.error : {};
  throw new ApiError(
    response.status,
    error.code || `http_${response.status}`,
    error.message || `Ошибка сервера (HTTP ${response.status}). Повторите попытку позже.`,
    error.fields || {},
    { signIn },
  );
}
