// Live room WebRTC: the trainer's camera, screen or microphone to each viewer, one peer
// connection per viewer, signalled over the room's htmx WebSocket (JSON {"rtc": …} messages,
// taken here before htmx tries to swap them). Loaded only by the room page.
(function () {
  'use strict';
  if (window.tljLive) return;
  window.tljLive = true;
  var root = null;
  var ws = null;
  var conn = null;
  var ice = [];
  var trainer = false;
  var stream = null;          // trainer: what is broadcast
  var peers = {};             // trainer: viewer conn -> {pc, audioOnly}
  var viewerPc = null;        // viewer: the one connection to the broadcaster
  var broadcasting = false;   // viewer: a broadcaster is ready

  function $(id) { return document.getElementById(id); }
  function msg(name) { return (root && root.getAttribute('data-msg-' + name)) || ''; }
  function note(text) {
    var n = $('live-video-note');
    if (n) { n.textContent = text; n.hidden = !text; }
  }
  function send(obj) { if (ws) ws.send(JSON.stringify(obj)); }
  function audioOnly() { var c = $('live-audio-only'); return !!(c && c.checked); }
  function config() { return { iceServers: ice }; }

  function setup() {
    root = document.querySelector('[data-live-room]');
    if (!root || root.getAttribute('data-live-ready')) return;
    root.setAttribute('data-live-ready', '1');
    trainer = root.getAttribute('data-trainer') === 'true';
    try { ice = JSON.parse(root.getAttribute('data-ice') || '[]'); } catch (e) { ice = []; }
  }

  // ---- trainer ----
  function countViewers() {
    var v = $('live-viewers');
    if (v) v.textContent = Object.keys(peers).length + ' ' + msg('viewers');
  }
  function closePeer(id) {
    if (peers[id]) { peers[id].pc.close(); delete peers[id]; countViewers(); }
  }
  function tracksFor(audioOnlyViewer) {
    if (!stream) return [];
    return stream.getTracks().filter(function (t) { return !audioOnlyViewer || t.kind === 'audio'; });
  }
  function offerTo(id, audioOnlyViewer) {
    closePeer(id);
    var pc = new RTCPeerConnection(config());
    peers[id] = { pc: pc, audioOnly: audioOnlyViewer };
    tracksFor(audioOnlyViewer).forEach(function (t) { pc.addTrack(t, stream); });
    pc.onicecandidate = function (e) { if (e.candidate) send({ rtc: 'ice', to: id, candidate: e.candidate }); };
    pc.onconnectionstatechange = function () {
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') closePeer(id);
    };
    pc.createOffer().then(function (o) { return pc.setLocalDescription(o); })
      .then(function () { send({ rtc: 'offer', to: id, sdp: pc.localDescription }); })
      .catch(function () { closePeer(id); });
    countViewers();
  }
  function broadcast(kind) {
    var md = navigator.mediaDevices;
    if (!md) { note(msg('no-media')); return; }
    var p;
    if (kind === 'screen' && md.getDisplayMedia) {
      p = md.getDisplayMedia({ video: true, audio: true }).then(function (s) {
        // keep the microphone with a shared screen when there is one
        return md.getUserMedia({ audio: true }).then(function (a) {
          a.getAudioTracks().forEach(function (t) { s.addTrack(t); });
          return s;
        }, function () { return s; });
      });
    } else if (kind === 'mic') {
      p = md.getUserMedia({ audio: true });
    } else {
      p = md.getUserMedia({ audio: true, video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { max: 20 } } });
    }
    p.then(function (s) {
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = s;
      var v = $('live-video');
      if (v) { v.muted = true; v.srcObject = s; v.play().catch(function () {}); }
      note('');
      // viewers connected to an older stream reconnect to the new one
      Object.keys(peers).forEach(function (id) { offerTo(id, peers[id].audioOnly); });
      send({ rtc: 'ready' });
    }).catch(function () { note(msg('no-media')); });
  }
  function stopBroadcast() {
    Object.keys(peers).forEach(closePeer);
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
  }

  // ---- viewer ----
  function closeViewer() { if (viewerPc) { viewerPc.close(); viewerPc = null; } }
  function join() {
    if (!broadcasting || trainer) return;
    closeViewer();
    send({ rtc: 'join', audio_only: audioOnly() });
  }
  function onOffer(d) {
    closeViewer();
    var pc = new RTCPeerConnection(config());
    viewerPc = pc;
    pc.ontrack = function (e) {
      var v = $('live-video');
      if (!v) return;
      v.srcObject = e.streams[0] || new MediaStream([e.track]);
      v.play().catch(function () {});
      note('');
    };
    pc.onicecandidate = function (e) { if (e.candidate) send({ rtc: 'ice', candidate: e.candidate }); };
    pc.onconnectionstatechange = function () {
      if (pc.connectionState === 'failed' && viewerPc === pc) { note(msg('lost')); setTimeout(join, 2000); }
    };
    pc.setRemoteDescription(d.sdp)
      .then(function () { return pc.createAnswer(); })
      .then(function (a) { return pc.setLocalDescription(a); })
      .then(function () { send({ rtc: 'answer', sdp: pc.localDescription }); })
      .catch(function () { note(msg('lost')); });
  }

  // ---- messages ----
  function onSignal(d) {
    switch (d.rtc) {
      case 'hello':
        conn = d.conn;
        broadcasting = !!d.broadcasting;
        if (trainer && stream) send({ rtc: 'ready' }); else join();
        break;
      case 'ready':
        if (d.conn === conn) break;
        broadcasting = true;
        join();
        break;
      case 'gone':
        broadcasting = false;
        if (!trainer) { closeViewer(); note(msg('waiting')); }
        break;
      case 'join':
        if (trainer && stream) offerTo(d.from, !!d.audio_only);
        break;
      case 'offer':
        if (!trainer) onOffer(d);
        break;
      case 'answer':
        if (trainer && peers[d.from]) peers[d.from].pc.setRemoteDescription(d.sdp).catch(function () {});
        break;
      case 'ice':
        var pc = trainer ? (peers[d.from] && peers[d.from].pc) : viewerPc;
        if (pc && d.candidate) pc.addIceCandidate(d.candidate).catch(function () {});
        break;
      case 'status':
        if (d.status === 'ended' || d.status === 'cancelled') {
          stopBroadcast(); closeViewer(); note(msg('ended'));
        }
        break;
    }
  }

  document.addEventListener('htmx:wsOpen', function (e) {
    setup();
    if (!root || !root.contains(e.target)) return;
    ws = e.detail.socketWrapper;
  });
  document.addEventListener('htmx:wsClose', function (e) {
    if (root && root.contains(e.target)) { closeViewer(); }
  });
  document.addEventListener('htmx:wsBeforeMessage', function (e) {
    var m = e.detail.message;
    if (typeof m !== 'string' || m.charAt(0) !== '{') return;
    var d;
    try { d = JSON.parse(m); } catch (err) { return; }
    if (!d || !d.rtc) return;
    e.preventDefault();
    setup();
    onSignal(d);
  });
  document.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('[data-live-action]');
    if (b) { setup(); broadcast(b.getAttribute('data-live-action')); return; }
    if (e.target.id === 'live-unmute') {
      var v = $('live-video');
      if (v) { v.muted = false; v.play().catch(function () {}); }
      e.target.hidden = true;
    }
  });
  document.addEventListener('change', function (e) {
    if (e.target.id === 'live-audio-only') join();
  });
  // scroll the chat feed to the newest line
  document.addEventListener('htmx:oobAfterSwap', function () {
    var s = $('live-chat-scroll');
    if (s) s.scrollTop = s.scrollHeight;
  });
  document.addEventListener('DOMContentLoaded', setup);
})();
