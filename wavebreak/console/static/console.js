// Reveal blurred sensitive content on click (moderator wellbeing: hidden by default).
document.addEventListener("click", function (ev) {
  var el = ev.target.closest(".sensitive");
  if (el && !el.classList.contains("revealed")) {
    el.classList.add("revealed");
    el.setAttribute("aria-hidden", "false");
  }
});
