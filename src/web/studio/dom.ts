// Small DOM helpers for the studio page: build elements, accept files by picker or drag and
// drop (folders included, read through webkitGetAsEntry), and save bytes as a download.
// No framework and no state: main.ts owns the state, views call these.

/** Attributes of h(): strings set attributes, functions (on*) become listeners. */
type Attrs = Readonly<Record<string, string | boolean | ((event: Event) => void) | undefined>>;

/** Creates an element with attributes and children (strings become text). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/** Replaces the children of `parent`. */
export function show(parent: Element, ...children: (Node | string)[]): void {
  parent.replaceChildren(...children);
}

async function entryFiles(entry: FileSystemEntry): Promise<File[]> {
  if (entry.isFile) {
    return [
      await new Promise<File>((resolve, reject) =>
        (entry as FileSystemFileEntry).file(resolve, reject),
      ),
    ];
  }
  if (!entry.isDirectory) return [];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const all: File[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return all;
    for (const child of batch) all.push(...(await entryFiles(child)));
  }
}

/** Files dropped on the page: plain files, and every file inside dropped folders. */
async function droppedFiles(transfer: DataTransfer): Promise<File[]> {
  const entries = Array.from(transfer.items)
    .map((item) => item.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => e !== null && e !== undefined);
  if (entries.length === 0) return Array.from(transfer.files);
  const files: File[] = [];
  for (const entry of entries) files.push(...(await entryFiles(entry)));
  return files;
}

/** Makes `zone` accept dropped files and folders; `accept` gets them all at once. */
export function dropZone(zone: HTMLElement, accept: (files: File[]) => void): void {
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    if (event.dataTransfer !== null) void droppedFiles(event.dataTransfer).then(accept);
  });
}

/** A file input (a folder picker when `folder`); `accept` gets the chosen files. */
export function picker(
  label: string,
  options: { accept?: string; multiple?: boolean; folder?: boolean; testid: string },
  accept: (files: File[]) => void,
): HTMLLabelElement {
  const input = h('input', {
    type: 'file',
    accept: options.accept,
    multiple: options.multiple === true,
    webkitdirectory: options.folder === true,
    'data-testid': options.testid,
  });
  input.addEventListener('change', () =>
    accept(input.files === null ? [] : Array.from(input.files)),
  );
  return h('label', { class: 'button' }, label, input);
}

/** Offers `data` to the user as a file named `name`. */
export function download(data: BlobPart, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = h('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
