// The Russian names of the API's codes — statuses, roles, deadlines, networks… — as the server
// has them: web/vocabulary.json, written by web/build_data.py from shared/otklik/vocabulary.py
// and loaded once at boot. The page keeps no copy of its own; a code without a name (or before
// the file loaded) is shown as the code itself.

let groups = {};

/** The name of `code` in `group` ("statuses", "roles", "deadlines", …), or the code itself. */
export function name(group, code) {
  const names = groups[group];
  const found = names && Object.hasOwn(names, code) ? names[code] : undefined;
  return typeof found === "string" ? found : code;
}

/** Whether `group` has a name for `code`. */
export function known(group, code) {
  const names = groups[group];
  return Boolean(names) && Object.hasOwn(names, String(code));
}

/** [code, name] pairs of a group, in the server's order (for the options of a select). */
export function entries(group) {
  return Object.entries(groups[group] || {});
}

export function useVocabulary(data) {
  groups = {};
  for (const [group, names] of Object.entries(data || {})) {
    if (names && typeof names === "object" && !Array.isArray(names)) groups[group] = { ...names };
  }
}

export async function loadVocabulary(url = "vocabulary.json") {
  const response = await fetch(url, { cache: "no-cache" });
  if (!response.ok) throw new Error(`vocabulary.json: HTTP ${response.status}`);
  useVocabulary(await response.json());
}
