"""``kcbx google``: authorise once, and write each school's feedback into its Google sheet.

Also holds the options other commands borrow: ``--credentials`` (``credentials_option``)
and ``kcbx forms --google`` (``google_forms_options``).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..clitools import CONTEXT, Group, handle_errors, json_option, workspace_options
from ..config import Config
from ..errors import KcbxError
from ..sources.google_setup import ENV_CREDENTIALS, GoogleSetupError
from ..terminal import console, progress_bar


def credentials_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--credentials PATH``: used before $KCBX_GOOGLE_CREDENTIALS and the config key."""

    @click.option("--credentials", type=click.Path(path_type=Path, dir_okay=False), metavar="路径",
                  help=f"Google 凭据文件（服务账号密钥或用户授权文件）；优先于环境变量 {ENV_CREDENTIALS} "
                       "和配置项 sources.google.credentials。凭据文件不要放进代码仓库")
    @functools.wraps(func)
    def wrapper(*args: Any, credentials: Path | None, **kwargs: Any) -> Any:
        if credentials is not None:  # for this run: the pull reads the same variable
            os.environ[ENV_CREDENTIALS] = str(credentials.expanduser().resolve())
        return func(*args, **kwargs)

    return wrapper


def google_forms_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``kcbx forms --google [--folder ID] [--emails CSV] [--credentials PATH]``."""

    @click.option("--google", "google", is_flag=True,
                  help="在 Google 云端硬盘文件夹中为每个单位新建 Google 表格并共享给该单位（不生成 xlsx）")
    @click.option("--folder", metavar="文件夹编号",
                  help="--google：存放表格的文件夹（默认：配置项 sources.google.folder）。服务账号只能建在"
                       "共享云端硬盘中，否则请先运行 kcbx google login 用个人账号授权")
    @click.option("--emails", type=click.Path(path_type=Path, dir_okay=False, exists=True), metavar="CSV",
                  help="--google：各单位填表人的邮箱，每行“单位代码,邮箱”（也可写在 sources.google.emails）")
    @credentials_option
    @functools.wraps(func)
    def wrapper(*args: Any, google: bool, folder: str | None, emails: Path | None, **kwargs: Any) -> Any:
        if not google:
            if folder or emails:
                raise KcbxError("--folder 和 --emails 只能与 --google 一起使用")
            return func(*args, **kwargs)
        return _google_forms(kwargs["config"], folder=folder, emails=emails, unit=kwargs.get("unit"),
                             all_sheets=bool(kwargs.get("all_sheets")), as_json=bool(kwargs.get("as_json")),
                             carry=kwargs.get("carry", True) is not False)

    return wrapper


def _google_forms(config: Config, *, folder: str | None, emails: Path | None, unit: str | None,
                  all_sheets: bool, as_json: bool, carry: bool = True) -> None:
    from ..outputs.forms.google import create_google_forms, load_emails, write_mapping

    with progress_bar(disable=as_json) as progress:
        results = create_google_forms(config, folder=folder, emails=load_emails(emails) if emails else None,
                                      unit=unit, all_sheets=all_sheets, progress=progress,
                                      carry=carry)
    mapping = write_mapping(config.root / "forms" / "google表格.yml", results)
    if as_json:
        click.echo(json.dumps({"forms": [{"unit": r.unit, "key": r.key, "url": r.url, "name": r.name,
                                          "shared_with": r.shared_with, "message": r.message}
                                         for r in results], "mapping": str(mapping)},
                              ensure_ascii=False))
        return
    made = [r for r in results if r.key and not r.message]
    console.print(f"已新建并共享 {len(made)} 个单位的 Google 表格（共 {len(results)} 个单位）：")
    for r in results:
        line = f"  {r.unit}  {r.url or '（未建）'}"
        if r.shared_with:
            line += f"  已共享给 {r.shared_with}"
        console.print(line + (f"\n      [yellow]{r.message}[/]" if r.message else ""))
    console.print(f"表格编号已写入 {mapping}：把其中的 spreadsheets 合并到 kcbx.yml 的 sources.google，"
                  "或保留 sources.google.folder，拉取时按文件夹找到各单位的表格。")


@click.group("google", cls=Group, context_settings=CONTEXT)
def command() -> None:
    """Google 表格：用浏览器授权一次，把校验结果写回各校的 Google 表格。

    \b
    kcbx google login --credentials client.json   用个人 Google 账号授权（新建表格需要）
    kcbx google feedback                          拉取、校验，并在各校表格中写“校验结果”和批注
    """


@command.command("login", context_settings=CONTEXT)
@click.option("--credentials", required=True, metavar="路径",
              type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Google Cloud 控制台下载的 OAuth 客户端文件（桌面应用，client_secret….json）")
@handle_errors
def login(credentials: Path) -> None:
    """用浏览器授权 kcbx 以您的 Google 账号读写表格（只需一次）。

    授权结果保存在 gspread 的默认位置（~/.config/gspread/authorized_user.json），
    以后不带 --credentials 也能使用。服务账号不能再拥有新文件，所以
    kcbx forms --google 需要这样授权，或使用共享云端硬盘。
    """
    import gspread

    try:
        info = json.loads(credentials.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise GoogleSetupError(f"{credentials} 无法读取（{exc}）：应为 OAuth 客户端 JSON 文件") from None
    if not isinstance(info, dict) or not ({"installed", "web"} & set(info)):
        raise GoogleSetupError(f"{credentials} 不是 OAuth 客户端文件。请在 Google Cloud 控制台“凭据”中"
                               "创建“OAuth 客户端 ID（桌面应用）”并下载 JSON；"
                               "服务账号密钥无需登录，直接用 --credentials")
    from google_auth_oauthlib.flow import InstalledAppFlow

    from ..sources.google import SCOPES

    flow = InstalledAppFlow.from_client_config(info, SCOPES)
    creds = flow.run_local_server(port=0, open_browser=True,
                                  authorization_prompt_message="请在浏览器中打开下面的网址并授权：{url}",
                                  success_message="授权成功，可以关闭这个页面，回到命令行。")
    gspread.auth.store_credentials(creds, gspread.auth.DEFAULT_AUTHORIZED_USER_FILENAME, strip=None)
    console.print(f"已授权，凭据保存在 {gspread.auth.DEFAULT_AUTHORIZED_USER_FILENAME}（不要放进代码仓库）")


@command.command("feedback", context_settings=CONTEXT)
@handle_errors
@workspace_options
@credentials_option
@json_option
def feedback(config: Config, as_json: bool) -> None:
    """拉取（如有变化）、校验，并把结果写回各校的 Google 表格。

    每个学校的表格中，“校验结果”工作表整张重写（一次请求），有问题的单元格标红（错误）
    或标黄（提醒）并加批注；学校填写的内容不会被改动。
    """
    from ..pipeline import google_feedback

    with progress_bar(disable=as_json) as progress:
        results = google_feedback(config, progress)
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in results], ensure_ascii=False))
        return
    if not results:
        console.print("没有 Google 表格单位（kcbx.yml 中未设置 sources.google），没有要写的反馈。")
    for r in results:
        if r.written:
            console.print(f"  {r.unit}  已写反馈：{r.listed} 条问题，{r.located} 处单元格已标注  {r.url}")
        else:
            console.print(f"  {r.unit}  [yellow]未写反馈：{r.message}[/]")
