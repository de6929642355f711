// The flags every Chromium of the tests starts with (the driver's, and the tab-switching
// scenarios' own): headless, and no connection to anything but the pages it is given.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
