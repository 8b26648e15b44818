// The provincial desk in headless Chromium, as the province and as a commune officer: log in,
// filter, search without diacritics, resolve a conflict, export XLSX and PDF. The XLSX is opened
// (unzip, sheet XML) and its cells checked; the PDF's text is extracted with pdftotext.
// usage: node desk.browser.mjs FIXTURE_BIN CHROMIUM_BIN OUTPUT_DIR PLAYWRIGHT_CORE_INDEX_MJS
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const [fixtureBin, chromiumBin, outDir, playwrightIndex] = process.argv.slice(2);
const { chromium } = await import(pathToFileURL(playwrightIndex).href);

const failures = [];
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
}

// The fixture server: its first line says where it listens and what it holds.
const dataDir = mkdtempSync(join(tmpdir(), 'ocop-desk-browser-'));
const fixture = spawn(fixtureBin, [dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
const world = await new Promise((resolve, reject) => {
  const lines = createInterface({ input: fixture.stdout });
  lines.once('line', (line) => resolve(JSON.parse(line)));
  fixture.once('exit', (code) => reject(new Error(`ocop-desk-fixture exited with ${code}`)));
});
const base = `http://127.0.0.1:${world.port}`;

function unzip(file, member) {
  return execFileSync('unzip', ['-p', file, member]).toString('utf8');
}

// The cells of an XLSX sheet: {ref: {type, value}}, shared strings resolved.
function xlsxCells(file) {
  const shared = [...unzip(file, 'xl/sharedStrings.xml').matchAll(/<si><t[^>]*>([^<]*)<\/t><\/si>/g)]
    .map((m) => m[1].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
  const cells = {};
  const sheet = unzip(file, 'xl/worksheets/sheet1.xml');
  for (const m of sheet.matchAll(/<c r="([A-Z]+[0-9]+)"([^>]*)>(?:<v>([^<]*)<\/v>)?<\/c>/g)) {
    const isString = /t="s"/.test(m[2]);
    cells[m[1]] = isString ? { type: 'string', value: shared[Number(m[3])] }
                           : { type: 'number', value: Number(m[3]) };
  }
  return cells;
}

async function login(browser, user) {
  const context = await browser.newContext({ acceptDownloads: true, locale: 'vi-VN' });
  const page = await context.newPage();
  await page.goto(`${base}/desk/products`);  // redirected to the login page
  check(page.url().endsWith('/desk/login'), `${user}: a page without a session leads to the login`);
  await page.fill('input[name=user]', user);
  await page.fill('input[name=password]', world.password);
  await Promise.all([page.waitForURL('**/desk/products'), page.click('form.login button')]);
  check((await page.textContent('header .who')) === user, `${user}: logged in`);
  return { context, page };
}

async function rowCount(page) {
  const m = /([0-9]+) dòng/.exec(await page.textContent('p.count'));
  return m ? Number(m[1]) : -1;
}

async function download(page, click, file) {
  const [dl] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = join(outDir, file);
  await dl.saveAs(path);
  return path;
}

async function resolveFirstValue(page, conflict, who) {
  await page.goto(`${base}/desk/conflicts`);
  const section = page.locator(`section.conflict[data-id="${conflict}"]`);
  check((await section.count()) === 1, `${who}: the conflict is listed with its values`);
  await Promise.all([page.waitForURL('**/desk/conflicts?ok=1'),
                     section.locator('form button').first().click()]);
  check((await page.textContent('p.notice')).includes('Đã ghi nhận'), `${who}: resolution applied`);
  check((await page.locator(`section.conflict[data-id="${conflict}"]`).count()) === 0,
        `${who}: the resolved conflict is no longer open`);
}

const args = process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [];
const browser = await chromium.launch({ executablePath: chromiumBin, headless: true, args });
try {
  // --- the province -------------------------------------------------------------------------
  const province = await login(browser, world.user);
  let page = province.page;
  const all = await rowCount(page);
  await page.screenshot({ path: join(outDir, 'province-products.png'), fullPage: false });
  await page.selectOption('select[name=stars]', '4');
  await Promise.all([page.waitForURL('**stars=4**'), page.click('form.filters button')]);
  const fourStars = await rowCount(page);
  check(fourStars > 0 && fourStars < all, `province: 4-star filter narrows ${all} to ${fourStars}`);
  const stars = await page.locator('tbody tr td:nth-child(6)').allTextContents();
  check(stars.length > 0 && stars.every((s) => s === '4'), 'province: every row shown has 4 stars');

  // Search without diacritics and đ: the commune's folded name finds its products.
  const folded = world.commune_name.normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd').toLowerCase().replace(/^xa /, '');
  await page.goto(`${base}/desk/products`);
  await page.fill('input[name=q]', folded);
  await Promise.all([page.waitForURL('**q=**'), page.click('form.filters button')]);
  const found = await page.locator('tbody tr td:nth-child(5)').allTextContents();
  check(found.length > 0 && found.some((c) => c === world.commune_name),
        `province: "${folded}" finds products of ${world.commune_name}`);
  await page.screenshot({ path: join(outDir, 'province-search.png') });

  // XLSX of the 4-star products: Vietnamese headers, stars as numbers.
  await page.goto(`${base}/desk/products?stars=4`);
  const xlsx = await download(page, () => page.click('a.export-xlsx'), 'province-products-4.xlsx');
  const cells = xlsxCells(xlsx);
  check(cells.B1?.value === 'Tên sản phẩm' && cells.F1?.value === 'Hạng sao',
        'xlsx: Vietnamese headers');
  const starCells = Object.entries(cells).filter(([ref]) => /^F([2-9]|[1-9][0-9]+)$/.test(ref));
  check(starCells.length === fourStars, `xlsx: ${starCells.length} rows, as the page (${fourStars})`);
  check(starCells.every(([, c]) => c.type === 'number' && c.value === 4),
        'xlsx: every star cell is the number 4');

  await resolveFirstValue(page, world.other_conflict, 'province');
  await page.goto(`${base}/desk/inspections`);
  await page.screenshot({ path: join(outDir, 'province-inspections.png'), fullPage: true });
  check((await page.locator('svg.gps circle').count()) > 0, 'province: inspections on the GPS plot');

  // --- the commune officer ------------------------------------------------------------------
  const commune = await login(browser, world.commune_user);
  page = commune.page;
  const mine = await rowCount(page);
  check(mine > 0 && mine < all, `commune: ${mine} of the province's ${all} products`);
  check(!(await page.content()).includes(world.other_product_name),
        "commune: another commune's product is not on the page");
  await page.fill('input[name=q]', world.other_product_name);
  await Promise.all([page.waitForURL('**q=**'), page.click('form.filters button')]);
  check((await rowCount(page)) === 0, "commune: searching another commune's product finds nothing");
  await page.goto(`${base}/desk/products`);
  const communeXlsx = await download(page, () => page.click('a.export-xlsx'), 'commune-products.xlsx');
  const communeCells = Object.values(xlsxCells(communeXlsx));
  check(!communeCells.some((c) => c.value === world.other_product_name),
        "commune: the export holds no other commune's product");
  await page.goto(`${base}/desk/conflicts`);
  check((await page.locator(`section.conflict[data-id="${world.other_conflict}"]`).count()) === 0,
        "commune: another commune's conflict is not listed");
  await resolveFirstValue(page, world.conflict, 'commune');
  await page.screenshot({ path: join(outDir, 'commune-conflicts.png'), fullPage: true });

  // The minutes of an inspection as PDF, and the council's score sheets.
  await page.goto(`${base}/desk/inspections`);
  await page.screenshot({ path: join(outDir, 'commune-inspections.png'), fullPage: true });
  const minutes = await download(page, () => page.locator('a', { hasText: 'Biên bản (PDF)' }).first().click(),
                                 'commune-minutes.pdf');
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', minutes, '-'],
                            { stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');
  check(text.includes('BIÊN BẢN KIỂM TRA, GIÁM SÁT SẢN PHẨM OCOP'), 'pdf: the minutes title');
  check(text.includes('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM') && text.includes('Độc lập - Tự do - Hạnh phúc'),
        'pdf: the national motto');
  check(text.includes('Thành phần đoàn kiểm tra') && text.includes('(Ký, ghi rõ họ tên)'),
        'pdf: the team and the signature blocks');
  await page.goto(`${base}/desk/evaluations`);
  const sheets = await download(page, () => page.locator('a', { hasText: 'Phiếu chấm điểm (PDF)' }).first().click(),
                                'commune-score-sheets.pdf');
  const sheetText = execFileSync('pdftotext', ['-enc', 'UTF-8', sheets, '-'],
                                 { stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');
  check(sheetText.includes('PHIẾU CHẤM ĐIỂM ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP'), 'pdf: the score sheets');
} finally {
  await browser.close();
  fixture.stdin.end();
  await new Promise((resolve) => fixture.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(failures.length ? `${failures.length} check(s) failed` : 'all checks passed');
process.exit(failures.length ? 1 : 0);
