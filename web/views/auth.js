// Sign up and log in: one form, two buttons' worth of modes.
import * as api from "../api.js";
import { h, field, errorText } from "../components/dom.js";
import { navigate, signedIn } from "../app.js";

export function render(main) {
  let mode = "login";
  const email = h("input", { type: "email", name: "email", required: true, autocomplete: "email" });
  const password = h("input", { type: "password", name: "password", required: true,
                                autocomplete: "current-password" });
  const accountType = h("select", { name: "account_type" },
    h("option", { value: "cash" }, "Cash"), h("option", { value: "margin" }, "Margin"));
  const typeField = field("Account type", accountType);
  const error = h("p", { class: "error", role: "alert" });
  const submit = h("button", { class: "primary", type: "submit" }, "Log in");
  const title = h("h1", {}, "Log in");
  const tabs = h("div", { class: "tabs", role: "group", "aria-label": "Log in or sign up" });
  const loginTab = h("button", { type: "button", "aria-pressed": "true", onclick: () => setMode("login") },
    "Log in");
  const signupTab = h("button", { type: "button", "aria-pressed": "false", onclick: () => setMode("signup") },
    "Sign up");
  tabs.append(loginTab, signupTab);

  function setMode(next) {
    mode = next;
    const signup = mode === "signup";
    title.textContent = submit.textContent = signup ? "Create account" : "Log in";
    loginTab.setAttribute("aria-pressed", String(!signup));
    signupTab.setAttribute("aria-pressed", String(signup));
    typeField.hidden = !signup;
    password.autocomplete = signup ? "new-password" : "current-password";
    // Length advice is for new passwords; an old account logs in with what it has.
    if (signup) password.minLength = 8; else password.removeAttribute("minlength");
    hint.hidden = !signup;
    error.textContent = "";
  }

  const form = h("form", { class: "panel auth", novalidate: false },
    title, tabs, field("Email", email), field("Password", password, "At least 8 characters."),
    typeField, error, submit);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = "";
    try {
      const body = { email: email.value.trim(), password: password.value };
      if (mode === "signup") body.account_type = accountType.value;
      const session = await api.post(mode === "signup" ? "/v1/auth/signup" : "/v1/auth/login", body,
                                     { auth: false });
      api.setToken(session.token);
      await signedIn();
      navigate("/");
    } catch (err) {
      error.textContent = errorText(err);
    } finally {
      submit.disabled = false;
    }
  });
  const hint = form.querySelector(".hint");
  setMode("login");
  main.append(form);
  email.focus();
}
