// A virtual list of fixed-height rows: only the rows in view (plus a few) exist
// in the DOM, so 20,000 rows cost as much to show as 50.
export interface VirtualListOptions<T> {
  rowHeight: number;
  render: (item: T, el: HTMLElement) => void; // fills a recycled row element
  onClick?: (item: T, index: number, ev: MouseEvent) => void;
}

export class VirtualList<T> {
  readonly root: HTMLElement;
  private spacer: HTMLElement;
  private items: T[] = [];
  private pool: HTMLElement[] = [];
  private shown = new WeakMap<HTMLElement, T>();
  private frame = 0;
  private follow = true;
  private onFollowChange?: (following: boolean) => void;

  constructor(private opt: VirtualListOptions<T>) {
    this.root = document.createElement("div");
    this.root.className = "vlist";
    this.root.setAttribute("role", "log");
    this.spacer = document.createElement("div");
    this.spacer.className = "vlist-spacer";
    this.root.append(this.spacer);
    this.root.addEventListener("scroll", () => {
      const atBottom = this.root.scrollTop + this.root.clientHeight >= this.root.scrollHeight - this.opt.rowHeight;
      if (atBottom !== this.follow) {
        this.follow = atBottom;
        this.onFollowChange?.(atBottom);
      }
      this.schedule();
    });
    this.root.addEventListener("click", (ev) => {
      const el = (ev.target as HTMLElement).closest(".row") as HTMLElement | null;
      if (!el || !this.opt.onClick) return;
      const item = this.shown.get(el);
      if (item !== undefined) this.opt.onClick(item, Number(el.dataset.index), ev);
    });
    new ResizeObserver(() => this.schedule()).observe(this.root);
  }

  setFollowListener(fn: (following: boolean) => void): void {
    this.onFollowChange = fn;
  }

  setItems(items: T[]): void {
    this.items = items;
    this.schedule();
  }

  get length(): number {
    return this.items.length;
  }

  following(): boolean {
    return this.follow;
  }

  scrollToBottom(): void {
    this.follow = true;
    this.onFollowChange?.(true);
    this.schedule();
  }

  scrollToIndex(i: number): void {
    this.follow = false;
    this.root.scrollTop = Math.max(0, i * this.opt.rowHeight - this.root.clientHeight / 2);
    this.schedule();
  }

  refresh(): void {
    for (const el of this.pool) this.shown.delete(el);
    this.schedule();
  }

  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
    });
  }

  private paint(): void {
    const rh = this.opt.rowHeight;
    this.spacer.style.height = `${this.items.length * rh}px`;
    if (this.follow) this.root.scrollTop = this.root.scrollHeight;
    const first = Math.max(0, Math.floor(this.root.scrollTop / rh) - 5);
    const count = Math.ceil(this.root.clientHeight / rh) + 10;
    const last = Math.min(this.items.length, first + count);
    while (this.pool.length < last - first) {
      const el = document.createElement("div");
      el.className = "row";
      this.pool.push(el);
      this.root.append(el);
    }
    for (let p = 0; p < this.pool.length; p++) {
      const el = this.pool[p];
      const i = first + p;
      if (i >= last) {
        el.style.display = "none";
        continue;
      }
      el.style.display = "";
      el.style.transform = `translateY(${i * rh}px)`;
      el.dataset.index = String(i);
      const item = this.items[i];
      if (this.shown.get(el) !== item) {
        this.shown.set(el, item);
        this.opt.render(item, el);
      }
    }
  }
}
