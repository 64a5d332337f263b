/** Tests build archives (honest, damaged and lying ones) with the product's own writer. */
export { zipArchive, type ZipFile } from "../src/lib/zip-archive.ts";
