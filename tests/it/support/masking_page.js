// The script of the masking tests' hostile page (masking_sites.rs), in the top page
// (`/matrix`) and in its frames of the same label (`/matrix-frame`). It builds password
// fields in every place the capture can see and keeps a reference to each, also inside
// closed shadow roots, so that the scenario (tests/browser/scenarios/masking.mjs) can
// fill them through `window.masking` of the top page: typed or pasted there by the
// browser after `focus`, set by script, or "autofilled" (the value set with the native
// setter taken before any recording patched it, then the `input` and `change` events
// Chromium's autofill dispatches). It also builds the masked elements whose attributes
// are set later, and adds elements with attributes on request.
(function () {
  'use strict';
  const inFrame = location.pathname === '/matrix-frame';
  const CASES = inFrame ? top.MASKING_CASES : window.MASKING_CASES;
  let siblingStyle = null;

  if (!inFrame) {
    const fields = {};
    const sets = [];
    window.masking = {
      register(id, element, setter) {
        fields[id] = { element, setter };
      },
      count: () => Object.keys(fields).length,
      focus(id) {
        const { element } = fields[id];
        element.ownerDocument.defaultView.focus();
        element.focus();
        return element.ownerDocument.activeElement === element || element.getRootNode().activeElement === element;
      },
      value: (id) => fields[id].element.value,
      script(id, text) {
        const { element } = fields[id];
        element.value += text;
      },
      autofill(id, text) {
        const { element, setter } = fields[id];
        const view = element.ownerDocument.defaultView;
        setter.call(element, element.value + text);
        element.dispatchEvent(new view.InputEvent('input', { bubbles: true, composed: true, inputType: 'insertReplacementText' }));
        element.dispatchEvent(new view.Event('change', { bubbles: true }));
      },
      reveal(id) {
        fields[id].element.type = 'text';
      },
      setAttributes(when) {
        for (const { set, root } of sets) {
          if (set.when !== when) continue;
          for (const [slot, attributes] of Object.entries(set.values)) {
            const element = root.querySelector(`[data-slot="${slot}"]`);
            for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
          }
        }
      },
      addElements() {
        for (const set of CASES.sets) if (set.when === 'added') build(set, true);
      },
      // What masked places show besides fields, changed while an agent watches.
      siblings() {
        const style = siblingStyle;
        style.textContent = '.later::before { content: "CSSLATERSECRETQ" }';
        style.sheet.insertRule('.rule::after { content: "CSSRULESECRETQ" }');
        document.getElementById('public-style').sheet.insertRule('.pub::after { content: "CSSRULEPUBLICQ" }');
      },
      note(text) {
        const p = document.createElement('p');
        p.textContent = text;
        document.body.appendChild(p);
      },
    };
    // Attributed elements set later: built now, without their attributes.
    const build = (set, withAttributes) => {
      const host = document.createElement('div');
      host.className = set.class;
      const root = set.place === 'shadow' ? host.attachShadow({ mode: 'open' }) : host;
      root.innerHTML = withAttributes ? set.slots_with : set.slots;
      document.getElementById('attributes').appendChild(host);
      sets.push({ set, root });
    };
    for (const set of CASES.sets) if (set.when !== 'added') build(set, false);
    const siblingRoot = document.getElementById('sibling-host').attachShadow({ mode: 'open' });
    siblingRoot.innerHTML = '<style>.x::after { content: "CSSCONTENTSECRETQ" }</style><span class="x">x</span>';
    siblingRoot.append('SHADOWTEXTSECRETQ');
    siblingStyle = siblingRoot.querySelector('style');
  }

  const registry = inFrame ? top.masking : window.masking;
  const fieldsMarkup = (place) =>
    `<p>TXT${place}Q</p><input class="pub" data-id="pub-${place}">` +
    CASES.methods
      .flatMap((method) => CASES.reveals.map((reveal) => `<input type="password" data-id="${place}-${method}-${reveal}">`))
      .join('');

  // The fields of `place` in `container` (an element or a shadow root), with the native
  // value setter of their window, taken now: before any agent joins.
  const fill = (place, container) => {
    const doc = container.ownerDocument;
    const setter = Object.getOwnPropertyDescriptor(doc.defaultView.HTMLInputElement.prototype, 'value').set;
    const box = doc.createElement('div');
    box.innerHTML = fieldsMarkup(place);
    container.appendChild(box);
    for (const input of box.querySelectorAll('input')) registry.register(input.dataset.id, input, setter);
  };
  const closedRootIn = (parent) => {
    const host = parent.ownerDocument.createElement('div');
    parent.appendChild(host);
    return host.attachShadow({ mode: 'closed' });
  };
  const blankFrameIn = (parent, name) => {
    const frame = document.createElement('iframe');
    frame.name = name;
    parent.appendChild(frame);
    return frame.contentDocument.body;
  };
  const labelFrameIn = (parent, place) => {
    const frame = document.createElement('iframe');
    frame.src = '/matrix-frame?place=' + place;
    parent.appendChild(frame);
  };

  if (!inFrame) {
    fill('light', document.getElementById('place-light'));
    const open = document.getElementById('host-open').attachShadow({ mode: 'open' });
    fill('open', open);
    fill('openclosed', closedRootIn(open));
    labelFrameIn(open, 'openframe');
    fill('closed', document.getElementById('host-closed').attachShadow({ mode: 'closed' }));
    const blank = blankFrameIn(document.getElementById('frames'), 'blank');
    fill('blank', blank);
    fill('blankclosed', closedRootIn(blank));
    labelFrameIn(document.getElementById('masked-frame-host').attachShadow({ mode: 'open' }), 'maskedframe');
  } else {
    const place = document.getElementById('place-light').dataset.place;
    fill(place, document.getElementById('place-light'));
    if (place === 'frame') {
      fill('frameopen', document.getElementById('host-open').attachShadow({ mode: 'open' }));
      fill('frameblank', blankFrameIn(document.getElementById('frames'), 'frameblank'));
    }
  }
})();
