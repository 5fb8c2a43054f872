//! The HTML report: a standalone, printable classification-and-grading list (数据分类分级清单),
//! Chinese first with English beside it. Every value from the input is escaped.

use std::fmt::Write as _;
use std::io::{self, Write};

use shuan_classify::Engine;

use crate::report::{ColumnReport, Report};

/// Escape text for HTML element content and quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f8fafc;--core:#7f1d1d;--important:#b91c1c;--spi:#c2410c;--pi:#b45309;--general:#047857}
*{box-sizing:border-box}body{font-family:"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",system-ui,sans-serif;color:var(--ink);background:var(--bg);margin:0;line-height:1.5}
header{background:#0f3d6e;color:#fff;padding:24px 40px}header h1{margin:0;font-size:26px}header .en{opacity:.8;font-size:15px}
header .meta{margin-top:8px;font-size:13px;opacity:.85}
main{padding:24px 40px;max-width:1400px}
.cards{display:flex;gap:16px;flex-wrap:wrap;margin-bottom:24px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 18px;min-width:160px}
.card .n{font-size:28px;font-weight:600}.card .l{color:var(--muted);font-size:13px}
.bars{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 18px;margin-bottom:24px}
.bar{display:flex;align-items:center;gap:10px;margin:4px 0;font-size:13px}.bar .t{width:320px;white-space:nowrap}
.bar .v{height:14px;border-radius:3px;background:#0f3d6e}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin-bottom:20px;break-inside:avoid}
section h2{margin:0 0 4px;font-size:18px}.src{color:var(--muted);font-size:12px;word-break:break-all}
table{border-collapse:collapse;width:100%;margin-top:10px;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f1f5f9;font-weight:600}th small{display:block;font-weight:400;color:var(--muted)}
tr.none td{color:var(--muted)}
.lv{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;white-space:nowrap}
.lv-core{background:var(--core)}.lv-important{background:var(--important)}.lv-sensitive-pi,.lv-L4{background:var(--spi)}
.lv-pi,.lv-L3{background:var(--pi)}.lv-general,.lv-L2,.lv-L1{background:var(--general)}.lv-none{background:#9ca3af}
.ev{color:var(--muted);font-size:12px}.err{color:#b91c1c}
footer{color:var(--muted);font-size:12px;padding:0 40px 30px}
@media print{body{background:#fff}header{background:#fff;color:#000;border-bottom:2px solid #000}section,.card,.bars{border-color:#999}main{padding:0 10px}}
"#;

fn level_badge(engine: &Engine, level: Option<&str>) -> String {
    match level {
        Some(l) => {
            let name = engine
                .rules()
                .level(l)
                .map_or(l.to_owned(), |d| format!("{} {}", d.zh, d.en));
            format!(r#"<span class="lv lv-{}">{}</span>"#, esc(l), esc(&name))
        }
        None => r#"<span class="lv lv-none">未发现 none</span>"#.to_owned(),
    }
}

fn column_row(engine: &Engine, c: &ColumnReport) -> String {
    let mut evidence = String::new();
    if let Some(e) = &c.evidence {
        let _ = write!(evidence, "{} {}/{}", esc(&e.detector), e.matched, e.sampled);
        if e.validated_rate > 0.0 {
            let _ = write!(
                evidence,
                "，强校验 checked {:.0}%",
                e.validated_rate * 100.0
            );
        }
        if let Some(h) = &e.hint {
            let _ = write!(evidence, "，表头 header「{}」", esc(h));
        }
    }
    if let Some(comment) = &c.comment {
        let _ = write!(evidence, "<br>注释 comment：{}", esc(comment));
    }
    let samples = if c.samples.is_empty() {
        String::new()
    } else {
        format!("<br>示例 e.g. {}", esc(&c.samples.join(" | ")))
    };
    format!(
        r#"<tr class="{cls}"><td>{idx}</td><td>{name}</td><td>{entity}</td><td>{category}</td><td>{level}</td><td>{conf}</td><td>{hit}</td><td class="ev">{evidence}{samples}</td></tr>"#,
        cls = if c.entity.is_some() { "hit" } else { "none" },
        idx = c.index + 1,
        name = esc(&c.name),
        entity = match (&c.entity, &c.entity_zh) {
            (Some(e), Some(zh)) => format!("{}<br><span class=\"ev\">{}</span>", esc(zh), esc(e)),
            (Some(e), None) => esc(e),
            _ => "—".to_owned(),
        },
        category = match (&c.category_zh, &c.category) {
            (Some(zh), Some(id)) => format!("{}<br><span class=\"ev\">{}</span>", esc(zh), esc(id)),
            _ => "—".to_owned(),
        },
        level = if c.entity.is_some() {
            level_badge(engine, c.level.as_deref())
        } else {
            "—".to_owned()
        },
        conf = if c.entity.is_some() {
            format!("{:.2}", c.confidence)
        } else {
            "—".to_owned()
        },
        hit = if c.entity.is_some() {
            format!("{:.0}%", c.hit_rate * 100.0)
        } else {
            "—".to_owned()
        },
    )
}

/// Write the whole page.
pub fn write(report: &Report, engine: &Engine, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    let pack = engine.rules();
    let mut h = String::new();
    let _ = write!(
        h,
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>数据分类分级清单 Data classification and grading list</title><style>{STYLE}</style></head><body>
<header><h1>数据分类分级清单 <span class="en">Data classification and grading list</span></h1>
<div class="meta">规则包 Rule pack：{} {} · 生成工具 Generated by Shu'an (数安) {}</div></header><main>
<div class="cards">
<div class="card"><div class="n">{}</div><div class="l">数据表 Tables</div></div>
<div class="card"><div class="n">{} / {}</div><div class="l">敏感列 / 全部列 Sensitive / all columns</div></div>
<div class="card"><div class="n">{}</div><div class="l">文本发现 Text findings</div></div>
<div class="card"><div class="n">{}</div><div class="l">无法读取 Unreadable inputs</div></div></div>"#,
        esc(&pack.name_zh),
        esc(&pack.name_en),
        env!("CARGO_PKG_VERSION"),
        s.tables,
        s.sensitive_columns,
        s.columns,
        s.findings,
        s.errors,
    );
    let max = s.by_level.values().copied().max().unwrap_or(1).max(1);
    h.push_str(r#"<div class="bars"><strong>按级别 By level</strong>"#);
    let mut levels: Vec<(&String, &usize)> = s.by_level.iter().collect();
    levels.sort_by_key(|(l, _)| std::cmp::Reverse(pack.level_rank(l)));
    for (level, n) in levels {
        let _ = write!(
            h,
            r#"<div class="bar"><span class="t">{}</span><span class="v" style="width:{}px"></span><span>{n}</span></div>"#,
            level_badge(engine, Some(level)),
            n * 400 / max
        );
    }
    h.push_str("</div>");

    for t in &report.tables {
        let sensitive = t.columns.iter().filter(|c| c.entity.is_some()).count();
        let _ = write!(
            h,
            r#"<section><h2>{} {}</h2><div class="src">{} · 扫描行数 rows scanned {}{} · 敏感列 sensitive columns {}/{}</div>
<table><thead><tr><th>#</th><th>列名<small>Column</small></th><th>识别结果<small>Entity</small></th><th>分类<small>Category</small></th><th>分级<small>Level</small></th><th>置信度<small>Confidence</small></th><th>命中率<small>Hit rate</small></th><th>依据<small>Evidence</small></th></tr></thead><tbody>"#,
            esc(&t.name),
            level_badge(engine, t.level.as_deref()),
            esc(&t.source),
            t.rows_scanned,
            t.row_estimate
                .map(|n| format!(" · 估计行数 estimated rows {n}"))
                .unwrap_or_default(),
            sensitive,
            t.columns.len(),
        );
        for c in &t.columns {
            h.push_str(&column_row(engine, c));
        }
        h.push_str("</tbody></table>");
        for note in &t.notes {
            let _ = write!(h, r#"<p class="ev">{}</p>"#, esc(note));
        }
        h.push_str("</section>");
    }

    for file in report.findings.sources() {
        let _ = write!(
            h,
            r#"<section><h2>文本文件 Text file</h2><div class="src">{}</div><table><thead><tr><th>识别结果<small>Entity</small></th><th>分级<small>Level</small></th><th>数量<small>Findings</small></th><th>位置（行:列）<small>First places (line:column)</small></th></tr></thead><tbody>"#,
            esc(file.source())
        );
        for (entity, n) in file.count_by_entity() {
            let places: Vec<String> = file
                .iter()
                .filter(|f| f.entity == entity)
                .take(8)
                .map(|f| match f.sample {
                    Some(sample) => format!("{}:{} {}", f.line, f.start + 1, esc(sample)),
                    None => format!("{}:{}", f.line, f.start + 1),
                })
                .collect();
            let level = pack.rule(entity).map(|r| r.2);
            let _ = write!(
                h,
                r#"<tr><td>{}</td><td>{}</td><td>{n}</td><td class="ev">{}</td></tr>"#,
                esc(entity),
                level_badge(engine, level),
                places.join("，")
            );
        }
        h.push_str("</tbody></table></section>");
    }
    if !report.errors.is_empty() {
        h.push_str(r#"<section><h2>无法读取的输入 Inputs that could not be read</h2><ul>"#);
        for e in &report.errors {
            let _ = write!(h, r#"<li class="err">{}</li>"#, esc(&e.message));
        }
        h.push_str("</ul></section>");
    }
    h.push_str(
        r#"</main><footer>值均未以明文显示；示例值已脱敏。 No value is shown in clear; examples are masked. 表级别取各列最高级别（就高从严）。 A table's level is the highest of its columns.</footer></body></html>"#,
    );
    out.write_all(h.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc(r#"<script>alert("x")</script>&'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"
        );
    }
}
