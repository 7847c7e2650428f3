/* deck.js: the slide show, inlined by deck.c.  Keys: Right, Space, PageDown,
 * j next; Left, PageUp, k back; Home, End; the address's #N is the slide. */
(function () {
  var slides = document.querySelectorAll(".slide"), cur = 0;
  document.documentElement.classList.add("js");
  function fit() {
    var s = Math.min(window.innerWidth / 1280, window.innerHeight / 720);
    for (var i = 0; i < slides.length; i++)
      slides[i].style.transform = "translate(-50%, -50%) scale(" + s + ")";
  }
  function show(n) {
    cur = Math.max(0, Math.min(slides.length - 1, n));
    for (var i = 0; i < slides.length; i++) slides[i].classList.toggle("cur", i === cur);
    if (location.hash !== "#" + (cur + 1)) history.replaceState(null, "", "#" + (cur + 1));
  }
  document.addEventListener("keydown", function (e) {
    var k = e.key;
    if (k === "ArrowRight" || k === " " || k === "PageDown" || k === "j") show(cur + 1);
    else if (k === "ArrowLeft" || k === "PageUp" || k === "k") show(cur - 1);
    else if (k === "Home") show(0);
    else if (k === "End") show(slides.length - 1);
    else return;
    e.preventDefault();
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest("a")) return;
    show(e.clientX < window.innerWidth / 3 ? cur - 1 : cur + 1);
  });
  window.addEventListener("resize", fit);
  window.addEventListener("hashchange", function () { show(parseInt(location.hash.slice(1), 10) - 1 || 0); });
  fit();
  show(parseInt(location.hash.slice(1), 10) - 1 || 0);
})();
