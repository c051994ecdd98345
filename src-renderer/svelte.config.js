// Svelte 5 with runes everywhere. TypeScript in <script lang="ts"> is type-stripped natively.
export default {
  compilerOptions: { runes: true },
};
