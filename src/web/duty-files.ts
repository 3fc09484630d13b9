// GET /files/duty-template.xlsx: the empty responsibility-list workbook (header, two example rows and the
// 填写说明 sheet) in the import layout. Public: it holds no data, only the format.
import type { FastifyInstance } from 'fastify';
import { writeTemplateXlsx } from '../domain/duties/list-xlsx.js';

export const DUTY_TEMPLATE_PATH = '/files/duty-template.xlsx';
export const DUTY_TEMPLATE_NAME = '三级责任清单模板.xlsx';
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function registerDutyFiles(server: FastifyInstance): void {
  let template: Promise<Buffer> | undefined;
  server.get(DUTY_TEMPLATE_PATH, async (_req, reply) => {
    template ??= writeTemplateXlsx().catch((e: unknown) => {
      template = undefined;
      throw e;
    });
    const file = await template;
    return reply
      .type(XLSX_TYPE)
      // An ASCII name for old clients, the Chinese one per RFC 5987 / RFC 6266 for the rest.
      .header('content-disposition', `attachment; filename="duty-template.xlsx"; filename*=UTF-8''${encodeURIComponent(DUTY_TEMPLATE_NAME)}`)
      .header('cache-control', 'public, max-age=3600')
      .send(file);
  });
}
