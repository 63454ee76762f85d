// dom-helpers.ts - the two helpers react-big-calendar's drag-and-drop addon takes from
// dom-helpers' index, which would otherwise bring all forty of them (about 5 KB gzipped).
export { default as scrollParent } from "dom-helpers/scrollParent";
export { default as scrollTop } from "dom-helpers/scrollTop";
