// Progressive enhancement: autocomplete for search boxes marked with data-suggest-kind-from
// (the id of the <select> naming the index) or data-suggest-kind (the index itself). Without this script the form still works.
// Follows the WAI-ARIA 1.2 combobox pattern; no inline scripts or styles (CSP-friendly).
(function () {
  "use strict";
  var DELAY_MS = 120;
  var counter = 0;

  function enhance(input) {
    var kindSelect = document.getElementById(input.getAttribute("data-suggest-kind-from"));
    var fixedKind = input.getAttribute("data-suggest-kind");
    var listId = "suggest-list-" + (++counter);
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    input.parentNode.appendChild(list);
    input.parentNode.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var timer = null;
    var active = -1;
    var items = [];
    var latest = 0;

    function kind() {
      return kindSelect ? kindSelect.value : (fixedKind || "occupations");
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      items.forEach(function (li, i) {
        li.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", items[index].id);
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      input.value = items[index].textContent;
      close();
      if (input.form) {
        input.form.submit();
      }
    }

    function render(suggestions) {
      list.textContent = "";
      items = suggestions.map(function (s, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = s.title;
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(i);
        });
        list.appendChild(li);
        return li;
      });
      active = -1;
      var open = items.length > 0;
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      status.textContent = open ? items.length + " suggestions; use the arrow keys to choose" : "";
    }

    function fetchSuggestions() {
      var q = input.value;
      if (q.trim().length < 2) {
        close();
        return;
      }
      var ticket = ++latest;
      var url = "/api/v1/suggest?kind=" + encodeURIComponent(kind()) +
        "&limit=8&q=" + encodeURIComponent(q);
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (body) {
          if (ticket === latest) {
            render(body.suggestions || []);
          }
        })
        .catch(close);
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) {
        return;
      }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % items.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(close, 150);
    });
    if (kindSelect) {
      kindSelect.addEventListener("change", close);
    }
  }

  document.querySelectorAll("input[data-suggest-kind-from], input[data-suggest-kind]").forEach(enhance);
})();
