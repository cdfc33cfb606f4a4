import { h, type VNode } from 'preact';
import htm from 'htm';

/**
 * Tagged templates to Preact elements. Interpolated values are children or attribute values,
 * never markup: record text always reaches the page as text (no innerHTML anywhere).
 */
export const html = htm.bind(h) as (strings: TemplateStringsArray, ...values: unknown[]) => VNode;
