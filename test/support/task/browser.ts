/**
 * A browser behind the load balancer: keeps cookies, sends Origin and Referer on POST as browsers do, and its
 * requests arrive at the task the way the ALB forwards them (Host as typed, X-Forwarded-Proto/Port/For added).
 */
import type { HttpResponse } from './network.js';
import type { Task } from './task.js';

export class Browser {
  private readonly cookies = new Map<string, string>();

  /** `scheme` is what the client used to reach the load balancer; TLS ends there. */
  constructor(
    private readonly task: Task,
    readonly scheme: 'http' | 'https',
    readonly host: string,
  ) {}

  get origin(): string {
    return `${this.scheme}://${this.host}`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    return {
      Host: this.host,
      'X-Forwarded-Proto': this.scheme,
      'X-Forwarded-Port': this.scheme === 'https' ? '443' : '80',
      'X-Forwarded-For': '203.0.113.7',
      ...(cookie ? { Cookie: cookie } : {}),
      ...extra,
    };
  }

  private keepCookies(response: HttpResponse): HttpResponse {
    for (const setCookie of response.headers['set-cookie'] ?? []) {
      const [pair] = setCookie.split(';');
      const at = pair.indexOf('=');
      this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    return response;
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async get(path: string): Promise<HttpResponse> {
    return this.keepCookies(await this.task.request({ path, headers: this.headers() }));
  }

  async post(path: string, form: Record<string, string>, referer: string): Promise<HttpResponse> {
    const body = new URLSearchParams(form).toString();
    const headers = this.headers({ 'Content-Type': 'application/x-www-form-urlencoded', Origin: this.origin, Referer: `${this.origin}${referer}` });
    return this.keepCookies(await this.task.request({ path, method: 'POST', headers, body }));
  }

  /** A form with files, as a browser posts it (multipart/form-data); `files` maps a field to its file's name and text. */
  async postMultipart(path: string, form: Record<string, string>, files: Record<string, { name: string; content: string }>, referer: string): Promise<HttpResponse> {
    const boundary = `----browser${Date.now().toString(16)}`;
    const parts = [
      ...Object.entries(form).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
      ...Object.entries(files).map(
        ([name, file]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${file.name}"\r\nContent-Type: text/plain\r\n\r\n${file.content}\r\n`,
      ),
    ];
    const body = `${parts.join('')}--${boundary}--\r\n`;
    const headers = this.headers({ 'Content-Type': `multipart/form-data; boundary=${boundary}`, Origin: this.origin, Referer: `${this.origin}${referer}` });
    return this.keepCookies(await this.task.request({ path, method: 'POST', headers, body }));
  }
}

/** The hidden CSRF token of the first form in a page. */
export function csrfToken(html: string): string {
  const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no csrfmiddlewaretoken in the page:\n${html.slice(0, 2000)}`);
  return token;
}
