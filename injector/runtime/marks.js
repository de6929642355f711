// What agents show on the visitor's page, drawn in Tandem's overlay (overlay.js): a
// labelled cursor per agent, a passing outline around a node, and fading strokes. None
// of it touches the page's own elements, and `clear` takes every mark and timer away.
'use strict';

const SVG_NS = 'http://www.w3.org/2000/svg';
const HIGHLIGHT_MS = 2000;
const STROKE_FADE_DONE_MS = 1500;
// A stroke whose end never came (the agent's socket dropped) fades all the same.
const STROKE_FADE_IDLE_MS = 5000;
const MARK_FADE_MS = 600;
const MARK_DEFAULT_COLOR = '#2563eb';
const MARKS_STYLE =
  '.marks{position:fixed;left:0;top:0;width:100vw;height:100vh;overflow:visible;pointer-events:none;' +
  'font:12px/1.2 system-ui,sans-serif}' +
  '.cursor{position:fixed;left:0;top:0;color:var(--c)}' +
  '.cursor svg{display:block;width:18px;height:18px;filter:drop-shadow(0 1px 1px rgba(0,0,0,.4))}' +
  '.cursor span{display:block;margin:0 0 0 14px;padding:2px 6px;border-radius:4px;background:var(--c);' +
  'color:#fff;white-space:nowrap}' +
  '.box{position:fixed;border:3px solid var(--c);border-radius:4px;box-sizing:border-box;' +
  'box-shadow:0 0 0 4px rgba(255,255,255,.6);transition:opacity .6s}' +
  '.draw{position:fixed;left:0;top:0;width:100vw;height:100vh;overflow:visible}' +
  '.draw polyline{fill:none;stroke:var(--c);stroke-width:4;stroke-linecap:round;stroke-linejoin:round;' +
  'transition:opacity .6s}' +
  '.fade{opacity:0}';

/** An agent's colour as the relay gives it (a hex colour), or the default. */
function markColor(color) {
  return typeof color === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(color) ? color : MARK_DEFAULT_COLOR;
}

/**
 * The marks of agents on `win`'s page. Every node is made, styled and placed with the
 * DOM methods the overlay took before any page script ran (overlay.js): a page that
 * replaced one would otherwise be handed these nodes, and through them the overlay's
 * closed root and the visitor's panel.
 */
function makeMarks(win) {
  const doc = win.document;
  const cursors = new Map();
  const strokes = new Map();
  const timers = new Set();
  let layer = null;
  let drawing = null;

  const later = (ms, fn) => {
    const timer = win.setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  };
  const cancel = (timer) => {
    win.clearTimeout(timer);
    timers.delete(timer);
  };
  /** A new element of `tag` (in `ns`, or HTML) with `attributes`, appended to `parent`. */
  const make = (parent, tag, attributes, ns = null) => {
    const element = ns ? overlayNative('createElementNS', doc, ns, tag) : overlayNative('createElement', doc, tag);
    for (const [name, value] of Object.entries(attributes)) overlayNative('setAttribute', element, name, value);
    if (parent) overlayNative('appendChild', parent, element);
    return element;
  };
  /** The inline style of a mark in `color`, with `more` declarations. */
  const styleOf = (color, more = '') => `--c:${markColor(color)};${more}`;
  const marksLayer = () => {
    if (layer && overlayNative('isConnected', layer)) return layer;
    const part = overlayPart(win, 'marks', MARKS_STYLE);
    if (!part) return null;
    layer = make(part, 'div', { class: 'marks' });
    drawing = null;
    return layer;
  };
  const fadeOut = (element, className) => {
    overlayNative('setAttribute', element, 'class', className + ' fade');
    later(MARK_FADE_MS, () => overlayNative('remove', element));
  };

  /** Shows `agent`'s cursor at (x, y) of the viewport. */
  function pointer(agent, x, y) {
    let cursor = cursors.get(agent.id);
    if (!cursor || !overlayNative('isConnected', cursor)) {
      const parent = marksLayer();
      if (!parent) return;
      cursor = make(parent, 'div', { class: 'cursor' });
      const arrow = make(cursor, 'svg', { viewBox: '0 0 18 18' }, SVG_NS);
      const path = { d: 'M1 1 L1 15 L5 11 L8 17 L10.5 16 L7.5 10 L13 10 Z', fill: 'currentColor', stroke: '#fff' };
      make(arrow, 'path', path, SVG_NS);
      overlayNative('textContent', make(cursor, 'span', {}), agent.name || 'Agent');
      cursors.set(agent.id, cursor);
    }
    const [left, top] = [Number(x) || 0, Number(y) || 0];
    overlayNative('setAttribute', cursor, 'style', styleOf(agent.color, `transform:translate(${left}px, ${top}px)`));
  }

  /** Outlines `element` for a moment, following it if the page scrolls. */
  function highlight(agent, element) {
    const parent = marksLayer();
    if (!parent) return;
    const box = make(parent, 'div', { class: 'box' });
    const place = () => {
      if (!overlayNative('isConnected', box)) return;
      const rect = element.getBoundingClientRect();
      const at = `left:${rect.left - 4}px;top:${rect.top - 4}px;width:${rect.width + 8}px;height:${rect.height + 8}px`;
      overlayNative('setAttribute', box, 'style', styleOf(agent.color, at));
      frame = win.requestAnimationFrame(place);
    };
    let frame = 0;
    place();
    later(HIGHLIGHT_MS, () => {
      win.cancelAnimationFrame(frame);
      fadeOut(box, 'box');
    });
  }

  /** Adds `points` to `agent`'s current stroke; `done` ends it. */
  function draw(agent, points, done) {
    const parent = marksLayer();
    if (!parent) return;
    if (!drawing) drawing = make(parent, 'svg', { class: 'draw' }, SVG_NS);
    let stroke = strokes.get(agent.id);
    if (!stroke) {
      const line = make(drawing, 'polyline', { style: styleOf(agent.color) }, SVG_NS);
      stroke = { line, points: [], timer: 0 };
      strokes.set(agent.id, stroke);
    }
    for (const point of points) stroke.points.push(`${Number(point[0]) || 0},${Number(point[1]) || 0}`);
    overlayNative('setAttribute', stroke.line, 'points', stroke.points.join(' '));
    cancel(stroke.timer);
    const ending = stroke;
    stroke.timer = later(done ? STROKE_FADE_DONE_MS : STROKE_FADE_IDLE_MS, () => {
      if (strokes.get(agent.id) === ending) strokes.delete(agent.id);
      fadeOut(ending.line, '');
    });
    if (done) strokes.delete(agent.id);
  }

  /** Removes the cursors of agents that are gone. */
  function keepCursors(ids) {
    for (const [id, cursor] of cursors) {
      if (ids.has(id)) continue;
      overlayNative('remove', cursor);
      cursors.delete(id);
    }
  }

  /** Removes every mark and stops every timer. */
  function clear() {
    for (const timer of timers) win.clearTimeout(timer);
    timers.clear();
    cursors.clear();
    strokes.clear();
    layer = null;
    drawing = null;
    removeOverlayPart(win, 'marks');
  }

  return { pointer, highlight, draw, keepCursors, clear };
}
