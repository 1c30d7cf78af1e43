// Shows the current caption under each audio player that has a captions <track>.
// Browsers time an audio element's captions but draw nothing for audio, unlike video.
// A file, not inline script, so the site's content security policy holds.
(function () {
  "use strict";

  function attach(audio) {
    var element = audio.querySelector("track[kind=captions]");
    var output = document.getElementById(audio.getAttribute("data-captions-output"));
    if (!element || !output || audio.hasAttribute("data-captions-attached")) {
      return;
    }
    audio.setAttribute("data-captions-attached", "");
    var track = element.track;
    track.mode = "hidden"; // timed and loaded, drawn by us
    track.addEventListener("cuechange", function () {
      var cues = track.activeCues;
      output.textContent = cues && cues.length ? cues[0].text : "";
    });
    output.hidden = false;
  }

  document.querySelectorAll("audio[data-captions-output]").forEach(attach);
})();
