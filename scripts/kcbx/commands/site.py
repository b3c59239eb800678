"""``kcbx site build`` / ``kcbx site serve``: the published site (guide, forms, status pages)."""

from __future__ import annotations

import json
import sys

import click

from ..clitools import CONTEXT, Group, handle_errors, json_option, workspace_options
from ..config import Config
from ..terminal import console, progress_bar


@click.group("site", cls=Group, context_settings=CONTEXT)
def command() -> None:
    """公开网站：政策指南、填报说明、数据字典、表格下载和进展统计（不含个人信息）。

    \b
    kcbx site build    构建网站，发布前逐页做隐私检查
    kcbx site serve    构建后在本机浏览器中预览

    网站可以不联网使用：把网站文件夹复制到任何电脑或U盘，双击 index.html 即可打开，搜索也能用。
    """


@command.command("build", context_settings=CONTEXT)
@handle_errors
@workspace_options
@json_option
def build(config: Config, as_json: bool) -> None:
    """构建网站，写到 kcbx.yml 中 site 指定的文件夹（默认 public）。

    进展统计来自 kcbx report 写出的公开统计数据包，表格下载来自 kcbx forms 写出的模板；
    还没有时，对应页面会说明先运行哪个命令。发布前逐页检查：发现身份证号、电话号码，
    或报表中的姓名、监护人、送教地址，就拒绝发布（退出码 1），原来的网站保持不变。
    页面没有变化时不重新构建；只有部分页面的内容变了（例如新拉取后的进展统计），
    只重新生成这些页面。隐私检查仍然检查整个网站：上次已通过检查、内容没变的文件，只查
    本次拉取新出现的姓名、号码等（检查记录保存在输出文件夹中，不随网站发布）。
    """
    from ..outputs.site import build_site

    with progress_bar(disable=as_json) as progress:
        result = build_site(config, progress=progress)
    if as_json:
        click.echo(json.dumps({"site": str(result.path), "index": str(result.index),
                               "pages": result.pages, "generated": result.generated,
                               "status": result.has_status, "forms": result.forms,
                               "seconds": round(result.seconds, 2), "warnings": result.warnings},
                              ensure_ascii=False))
        return
    console.print(f"网站已构建（{result.pages} 个页面，{result.seconds:.1f} 秒），"
                  f"隐私检查通过：{result.path}")
    console.print(f"用浏览器打开：{result.index}")
    if not result.has_status:
        console.print("[yellow]还没有公开统计数据：请先运行 kcbx report，进展统计页面才有内容。[/]")
    if not result.forms:
        console.print("[yellow]还没有填报模板：运行 kcbx forms 后，表格下载页面才有文件。[/]")
    for warning in result.warnings:
        console.print(f"[yellow]提醒：{warning}[/]")


@command.command("serve", context_settings=CONTEXT)
@handle_errors
@workspace_options
@click.option("--port", default=8000, type=click.IntRange(1, 65535), metavar="端口",
              help="本机端口（默认 8000）")
@click.option("--no-build", is_flag=True, help="不重新构建，直接预览已有的网站")
def serve(config: Config, port: int, no_build: bool) -> None:
    """构建网站（同 kcbx site build），再在本机 http://127.0.0.1:端口/ 上预览；按 Ctrl+C 结束。"""
    from ..outputs.site import build_site, make_server

    if not no_build:
        with progress_bar() as progress:
            build_site(config, progress=progress)
    server = make_server(config.site_path, "127.0.0.1", port)
    console.print(f"网站预览：http://127.0.0.1:{server.server_address[1]}/  （按 Ctrl+C 结束）")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print("已停止预览。")
    finally:
        server.server_close()
    sys.exit(0)
