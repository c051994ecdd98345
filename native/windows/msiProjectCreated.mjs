// electron-builder's msiProjectCreated hook (electron-builder.yml): adds Havre's policy step to the
// WiX project electron-builder wrote, before it is compiled. The WiX lives in
// havre-msi-policy.wxs.part; this only inserts it and references its components from the feature.
import { readFileSync, writeFileSync } from 'node:fs';

const PART = new URL('./havre-msi-policy.wxs.part', import.meta.url);
const MARKER = 'native/windows/havre-msi-policy.wxs.part';

/** The WiX project text with Havre's properties, components and their references added (once). */
export function addPolicySteps(wxs, part = readFileSync(PART, 'utf8')) {
  if (wxs.includes(MARKER)) return wxs;
  const ids = [...part.matchAll(/<Component Id="([A-Za-z0-9_]+)"/g)].map((m) => m[1]);
  const feature = /(<Feature Id="ProductFeature"[^>]*>)/;
  if (!feature.test(wxs) || !wxs.includes('</Product>')) {
    throw new Error('msiProjectCreated: the WiX project has no ProductFeature or Product element; electron-builder\'s MSI template changed, update native/windows/msiProjectCreated.mjs');
  }
  return wxs
    .replace(feature, `$1\n      ${ids.map((id) => `<ComponentRef Id="${id}"/>`).join('\n      ')}`)
    .replace('</Product>', `${part}  </Product>`);
}

export default async function msiProjectCreated(projectFile) {
  writeFileSync(projectFile, addPolicySteps(readFileSync(projectFile, 'utf8')));
}
