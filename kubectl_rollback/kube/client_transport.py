"""The kubeconfigs the direct transport does not serve (exec credential plugins,
auth-provider, proxy-url) go through the kubernetes client's loader and its ApiClient,
so they work exactly as the client implements them; still raw bytes, no generated
models. The only module that imports `kubernetes`, and only when such a kubeconfig is
used."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from ..core import errors
from . import kubeconfig as kubeconfig_files
from .transport import StreamResponse, retry_after, unreachable


class _ClientStream:
    def __init__(self, response: Any) -> None:
        self._response = response
        self.status = int(response.status)
        self._closed = False

    def read_all(self) -> bytes:
        try:
            return bytes(self._response.read())
        finally:
            self.close()

    def lines(self) -> Iterator[bytes]:
        import urllib3

        buffer = b""
        try:
            for chunk in self._response.stream(65536, decode_content=True):
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    yield line
        except (OSError, urllib3.exceptions.HTTPError, ValueError, AttributeError) as exc:
            if self._closed:
                return
            raise ConnectionError(f"stream interrupted: {exc!r}") from None
        if buffer.strip():
            yield buffer

    def close(self) -> None:
        self._closed = True
        # urllib3 2 refuses to shut down a response whose connection went back to the pool
        # (RuntimeError) or that cannot be shut down (ValueError): then it is closed already.
        with contextlib.suppress(OSError, AttributeError, RuntimeError, ValueError):
            self._response.shutdown()
        with contextlib.suppress(OSError, AttributeError):
            self._response.release_conn()


class ClientTransport:
    """Requests through the kubernetes client's ApiClient (exec plugins, auth-provider, proxies)."""

    def __init__(self, api_client: Any, server: str) -> None:
        self._client = api_client
        self.server = server

    def _call(
        self, method: str, url_path: str, headers: dict[str, str], body: bytes | None, timeout: Any
    ) -> Any:
        import urllib3

        path, _, query = url_path.partition("?")
        from urllib.parse import parse_qsl

        request = self._client.param_serialize(
            method,
            path,
            query_params=parse_qsl(query),
            header_params=dict(headers),
            body=None,
            auth_settings=["BearerToken"],
        )
        method_, url, all_headers = request[0], request[1], request[2]
        try:
            # param_serialize gave the URL and the credentials (refreshed by exec plugins);
            # the body is already JSON bytes of ours, sent as is.
            return self._client.rest_client.pool_manager.request(
                method_,
                url,
                body=body,
                headers=all_headers,
                timeout=timeout,
                preload_content=False,
                retries=False,
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise unreachable(self.server, exc) from None

    def request(
        self,
        method: str,
        url_path: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: float | None,
    ) -> tuple[int, bytes, float | None]:
        import urllib3

        write = method not in ("GET", "HEAD")
        try:
            response = self._call(method, url_path, headers, body, timeout)
        except errors.Unreachable as exc:
            cause = exc.__context__
            # Refused or unresolvable: nothing was sent. Anything later may have reached the server.
            if write and not isinstance(cause, urllib3.exceptions.NewConnectionError):
                raise errors.OutcomeUnknown(
                    f"the API server did not answer {method} {url_path.split('?')[0]} ({exc}): "
                    "it may or may not have been applied"
                ) from None
            raise
        try:
            return (
                int(response.status),
                bytes(response.read()),
                retry_after(response.headers.get("Retry-After")),
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if write:
                raise errors.OutcomeUnknown(
                    f"the API server did not finish answering {method} {url_path.split('?')[0]}: "
                    "it may or may not have been applied"
                ) from None
            raise unreachable(self.server, exc) from None
        finally:
            response.release_conn()

    def stream(
        self, url_path: str, headers: dict[str, str], timeout: float | None
    ) -> StreamResponse:
        import urllib3

        response = self._call(
            "GET",
            url_path,
            headers,
            None,
            urllib3.Timeout(connect=10, read=timeout) if timeout else None,
        )
        return _ClientStream(response)

    def close(self) -> None:
        self._client.close()


def connect_with_client(
    kubeconfig: str | None, context: str | None, user_agent: str
) -> tuple[ClientTransport, str, str, str | None]:
    """The kubernetes client's loader: (transport, context name, its namespace or
    ``default``, user)."""
    from kubernetes.client import ApiClient, Configuration
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.kube_config import KubeConfigLoader, KubeConfigMerger

    paths = ":".join(kubeconfig_files.default_paths(kubeconfig)[0])
    try:
        merger = KubeConfigMerger(paths)  # type: ignore[no-untyped-call]
        loader = KubeConfigLoader(  # type: ignore[no-untyped-call]
            config_dict=merger.config, config_base_path=None, active_context=context
        )
        configuration = type.__call__(Configuration)
        loader.load_and_set(configuration)  # type: ignore[no-untyped-call]
    except ConfigException as exc:
        raise errors.ConfigError(f"invalid kubeconfig: {exc}") from None
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise errors.ConfigError(f"cannot use kubeconfig {paths}: {exc}") from None
    configuration.retries = False  # we retry reads ourselves, never writes
    active = loader.current_context or {}
    ctx = active.get("context") or {}
    api_client = ApiClient(configuration)
    api_client.user_agent = user_agent
    return (
        ClientTransport(api_client, str(configuration.host)),
        str(active.get("name") or ""),
        str(ctx.get("namespace") or "default"),
        str(ctx.get("user")) if ctx.get("user") else None,
    )
