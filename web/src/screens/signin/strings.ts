// strings.ts - every text of the sign-in page (en-GB), in one place for translation.
export const t = {
  title: "Sign in",
  subtitle: "Staff sign-in for your clinic",
  tenantLabel: "Clinic",
  tenantHint: "Your clinic's short name, e.g. demo",
  email: "Email",
  password: "Password",
  submit: "Sign in",
  badCredentials: "The clinic, email or password is not right, or the clinic's account is suspended.",
  throttled: (s: number) => `Too many attempts. Try again in ${s} s.`,
  suspended: "This clinic's account is suspended. Contact your administrator.",
  serverError: "The server could not sign you in just now. Try again in a moment.",
  offline: "The server cannot be reached. Check the connection and try again.",
  expired: "Your session ended. Sign in again to carry on.",
  elsewhere: "You signed out in another tab.",
  required: "Required",
};
