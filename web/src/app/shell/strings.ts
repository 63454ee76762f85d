// strings.ts - every text of the app shell (en-GB), in one place for translation.
export const t = {
  navLabel: "Main",
  signOut: "Sign out",
  search: "Search by name, email or phone",
  searchPlaceholder: "Search…",
  noResults: "No matches",
  searching: "Searching…",
  connectionLost: "The connection to the server was lost. Retrying…",
  loading: "Loading…",
  loadFailed: "Your profile could not be loaded.",
  retry: "Try again",
  menu: "Open the menu",
  notFoundTitle: "Page not found",
  notFound: "There is no page at this address.",
  home: "Go to the start page",
  kind: { contact: "Contact", deal: "Deal" } as Record<string, string>,
  role: (r: string) => r.charAt(0).toUpperCase() + r.slice(1),
};
