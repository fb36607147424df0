import { useState } from "preact/hooks";
import { signIn } from "../api.ts";
import { ErrorNote } from "../ui.tsx";

export function SignIn() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(undefined);
    try {
      await signIn(String(form.get("email")), String(form.get("password")));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>trellis admin</h1>
      <form onSubmit={submit}>
        <label>
          Email
          <input name="email" type="email" autocomplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        {error !== undefined && <ErrorNote error={error} />}
      </form>
    </main>
  );
}
