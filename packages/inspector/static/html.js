// htm bound to Preact's h: tagged templates instead of a JSX build step. Text interpolated into
// a template becomes a text node, never markup: payloads cannot inject HTML.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
