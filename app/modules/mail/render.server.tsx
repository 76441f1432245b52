import { render } from "@react-email/render";
import { appUrl } from "~/utils/env.server";
import { templates, type TemplateData, type TemplateName } from "./templates";

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

export async function renderMail<K extends TemplateName>(name: K, data: TemplateData[K]): Promise<RenderedMail> {
  const def = templates[name];
  const element = def.body(data, appUrl());
  const [html, text] = await Promise.all([render(element), render(element, { plainText: true })]);
  return { subject: def.subject(data), html, text };
}
