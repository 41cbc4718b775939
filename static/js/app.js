/* hotel_crm — small progressive enhancements. Every page works without this file; it is served
   from static/ under the Content-Security-Policy (no inline script, no eval, no inline style). */
(function () {
  "use strict";

  function text(el, name, fallback) {
    return (el && el.getAttribute(name)) || fallback;
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return String(values[key]); });
  }

  /* The header menu: Escape or a tap outside closes it (it is a <details>, open/close needs no script). */
  function setUpMenu() {
    var menu = document.getElementById("site-menu");
    if (!menu) return;
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  }

  /* Length counters: "123 / 4000" under a long text field (a one-line field shows nothing until
     it nears its limit), a warning near the limit and a clear message past it. The field has no maxlength attribute on purpose: the browser would cut a
     pasted text silently; the server refuses it with the same message instead. */
  function setUpCounters() {
    document.querySelectorAll("[data-max-length]:not([data-counted])").forEach(function (field) {
      field.setAttribute("data-counted", "1");
      var limit = parseInt(field.getAttribute("data-max-length"), 10);
      if (!limit) return;
      var counter = document.createElement("p");
      counter.className = "length-counter";
      counter.id = field.id + "-counter";
      counter.setAttribute("aria-live", "polite");
      field.insertAdjacentElement("afterend", counter);
      var described = field.getAttribute("aria-describedby");
      field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
      function update() {
        var used = field.value.length;
        var values = { used: used, limit: limit, over: used - limit, left: limit - used };
        counter.classList.remove("near", "over");
        if (used > limit) {
          counter.textContent = format(text(field, "data-over-text", "%(over)s characters too long"), values);
          counter.classList.add("over");
        } else if (used >= limit * 0.9) {
          counter.textContent = format(text(field, "data-near-text", "%(left)s characters left"), values);
          counter.classList.add("near");
        } else if (field.tagName === "TEXTAREA") {
          counter.textContent = format(text(field, "data-count-text", "%(used)s / %(limit)s"), values);
        } else {
          counter.textContent = "";  // a one-line field speaks up only near its limit
        }
        counter.hidden = counter.textContent === "";
      }
      field.addEventListener("input", update);
      update();
    });
  }

  /* One remedy select: picking a catalogue remedy fills in its description and value
     (only fields the clerk has not typed into, or that the previous pick filled). */
  function setUpRemedies() {
    document.querySelectorAll("select[data-remedy-select]:not([data-ready])").forEach(function (select) {
      select.setAttribute("data-ready", "1");
      var form = select.form;
      var description = form.querySelector("[name=description]");
      var value = form.querySelector("[name=value]");
      function fill(field, newValue) {
        if (!field || newValue === null) return;
        // empty, still the form's default (a value of 0), or what the previous pick filled in
        if (field.value === "" || field.value === field.defaultValue || field.getAttribute("data-filled") === field.value) {
          field.value = newValue;
          field.setAttribute("data-filled", newValue);
          field.dispatchEvent(new Event("input", { bubbles: true }));
        }
      }
      select.addEventListener("change", function () {
        var option = select.options[select.selectedIndex];
        if (!option) return;
        fill(description, option.getAttribute("data-description"));
        fill(value, option.getAttribute("data-value"));
      });
    });
  }

  /* Buttons that show progress: the login's password check takes a second on purpose (PBKDF2). */
  function setUpBusyButtons() {
    document.addEventListener("submit", function (event) {
        var form = event.target;
        if (event.defaultPrevented || form.hasAttribute("hx-post")) return;
        var button = event.submitter || form.querySelector("button[type=submit]");
        if (!button || !(button.hasAttribute("data-busy-text") || button.hasAttribute("data-once"))) return;
        if (form.getAttribute("data-submitted")) {
          event.preventDefault();
          return;
        }
        form.setAttribute("data-submitted", "1");
        button.setAttribute("aria-busy", "true");
        button.classList.add("busy");
        if (button.hasAttribute("data-busy-text")) button.textContent = button.getAttribute("data-busy-text");
    });
    // Back/forward cache: a page shown again must not keep a busy button.
    window.addEventListener("pageshow", function () {
      document.querySelectorAll("form[data-submitted]").forEach(function (form) {
        form.removeAttribute("data-submitted");
        form.querySelectorAll("[aria-busy]").forEach(function (button) {
          button.removeAttribute("aria-busy");
          button.classList.remove("busy");
          if (button.hasAttribute("data-idle-text")) button.textContent = button.getAttribute("data-idle-text");
        });
      });
    });
  }

  /* "Copy" beside the guest's short link. */
  function setUpCopyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        if (!source) return;
        var value = source.value || source.textContent;
        var done = function () { button.textContent = text(button, "data-copied-text", "Copied"); };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(value).then(done);
        } else if (source.select) {
          source.select();
          document.execCommand("copy");
          done();
        }
      });
    });
  }

  function ready() {
    setUpMenu();
    setUpCounters();
    setUpRemedies();
    setUpBusyButtons();
    setUpCopyButtons();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
  // htmx panels (the guest's cases, the case page's steps) bring new fields in.
  document.addEventListener("htmx:afterSettle", function () {
    setUpCounters();
    setUpRemedies();
  });
})();
