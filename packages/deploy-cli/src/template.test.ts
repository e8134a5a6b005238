import { placeholders, renderText } from './template.js';

const values = { 'worker.capacity': 4, 'worker.rootUrl': 'https://tc.example.com', 'a.quote': "it's", 'a.flag': false };

describe('renderText', () => {
  it('replaces {{dotted.key}} with the value, spaces allowed', () => {
    const out = renderText('capacity: {{worker.capacity}}\nurl={{ worker.rootUrl }}\n', values, 'x.conf');
    expect(out).toEqual({ text: 'capacity: 4\nurl=https://tc.example.com\n', problems: [] });
  });

  it('has json and shell filters', () => {
    expect(renderText('{{worker.rootUrl | json}} {{a.flag|json}} {{worker.capacity | json}}', values, 'f').text).toBe('"https://tc.example.com" false 4');
    expect(renderText('X={{a.quote | shell}}', values, 'f').text).toBe(`X='it'\\''s'`);
  });

  it('names the file, the line and the variable of every missing value', () => {
    const out = renderText('ok {{worker.capacity}}\n{{worker.nope}}\nand {{other.missing | json}}\n', values, 'template/root/etc/x.conf');
    expect(out.problems).toEqual([
      'template/root/etc/x.conf:2: missing variable worker.nope',
      'template/root/etc/x.conf:3: missing variable other.missing',
    ]);
  });

  it('reports an unknown filter', () => {
    expect(renderText('{{worker.capacity | yaml}}', values, 'f').problems).toEqual([
      'f:1: unknown filter "yaml" in {{worker.capacity | yaml}} (known: json, shell)',
    ]);
  });

  it("leaves other {{...}} alone: packer's functions, Go templates, undotted names", () => {
    const text = 'name-{{timestamp}} {{user `region`}} {{ .Path }} {{template_dir}}/x {{.Name}}';
    expect(renderText(text, values, 'f')).toEqual({ text, problems: [] });
  });

  it('lists the variables a text uses', () => {
    expect(placeholders('{{a.b}} {{ a.b | json }} {{c.d.e}} {{timestamp}}')).toEqual(['a.b', 'c.d.e']);
  });
});
