// detente UI: the little interaction the pages need. Everything works without it; nothing is fetched.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Small screens: the navigation folds behind a Menu button.
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("site-nav");
  if (toggle && nav) {
    const small = window.matchMedia("(max-width: 760px)");
    const apply = () => {
      const open = toggle.getAttribute("aria-expanded") === "true";
      nav.dataset.collapsed = small.matches && !open ? "true" : "false";
    };
    toggle.addEventListener("click", () => {
      toggle.setAttribute("aria-expanded", toggle.getAttribute("aria-expanded") === "true" ? "false" : "true");
      apply();
    });
    small.addEventListener("change", apply);
    apply();
  }
  // Forms marked data-autosubmit submit when a control changes (the map's year slider, filters).
  document.querySelectorAll("form[data-autosubmit]").forEach((form) => {
    form.querySelectorAll("input[type=range]").forEach((range) => {
      const out = form.querySelector(`output[for="${range.id}"]`);
      range.addEventListener("input", () => { if (out) out.value = range.value; });
      range.addEventListener("change", () => form.requestSubmit());
    });
    form.querySelectorAll("select").forEach((select) => select.addEventListener("change", () => form.requestSubmit()));
  });
});
