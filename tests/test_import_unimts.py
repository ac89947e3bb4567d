"""Importing the released UniMTS checkpoint (pretrain.import_unimts), on synthetic checkpoints with the
released names and shapes: the real one is not in the repository."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

from pretrain.import_unimts import (
    CLIP_MODEL,
    load_unimts_checkpoint,
    main,
    split_unimts_state,
    unimts_encoders,
)
from skeletons.errors import InputError
from tests.conftest import REPO
from tests.test_stgcn import reference_partitions

UNIMTS_WIDTHS = (3, 64, 64, 64, 64, 128, 128, 128, 256, 256, 512)
UNIMTS_STRIDES = (1, 1, 1, 1, 2, 1, 1, 2, 1, 1)

#: A few lines of ../shared/reference/unimts_checkpoint_keys.tsv, kept here for clones without it.
KNOWN_ENTRIES = {
    "positional_embedding": (77, 512),
    "token_embedding.weight": (49408, 512),
    "logit_scale": (),
    "transformer.resblocks.11.attn.in_proj_weight": (1536, 512),
    "transformer.resblocks.0.mlp.c_proj.weight": (512, 2048),
    "acc.A": (3, 22, 22),
    "acc.data_bn.running_var": (66,),
    "acc.st_gcn_networks.0.gcn.conv.weight": (192, 3, 1, 1),
    "acc.st_gcn_networks.4.residual.0.weight": (128, 64, 1, 1),
    "acc.st_gcn_networks.9.gcn.conv.weight": (1536, 256, 1, 1),
    "acc.st_gcn_networks.9.tcn.2.weight": (512, 512, 9, 1),
    "acc.st_gcn_networks.9.tcn.3.num_batches_tracked": (),
    "acc.edge_importance.9": (3, 22, 22),
}


def unimts_checkpoint_shapes() -> dict[str, tuple[int, ...]]:
    """Every name and shape of the released checkpoint: CLIP ViT-B/32's text side and the ST-GCN ``acc``."""
    shapes: dict[str, tuple[int, ...]] = {
        "positional_embedding": (77, 512), "text_projection": (512, 512), "logit_scale": (),
        "token_embedding.weight": (49408, 512), "ln_final.weight": (512,), "ln_final.bias": (512,),
    }
    for layer in range(12):
        block = f"transformer.resblocks.{layer}."
        shapes.update({
            block + "ln_1.weight": (512,), block + "ln_1.bias": (512,),
            block + "attn.in_proj_weight": (1536, 512), block + "attn.in_proj_bias": (1536,),
            block + "attn.out_proj.weight": (512, 512), block + "attn.out_proj.bias": (512,),
            block + "ln_2.weight": (512,), block + "ln_2.bias": (512,),
            block + "mlp.c_fc.weight": (2048, 512), block + "mlp.c_fc.bias": (2048,),
            block + "mlp.c_proj.weight": (512, 2048), block + "mlp.c_proj.bias": (512,),
        })

    def batch_norm(name: str, width: int) -> None:
        shapes.update({f"{name}.{p}": (width,) for p in ("weight", "bias", "running_mean", "running_var")})
        shapes[f"{name}.num_batches_tracked"] = ()

    shapes["acc.A"] = (3, 22, 22)
    batch_norm("acc.data_bn", 66)
    for i in range(10):
        block, c_in, c_out = f"acc.st_gcn_networks.{i}.", UNIMTS_WIDTHS[i], UNIMTS_WIDTHS[i + 1]
        shapes[block + "gcn.conv.weight"], shapes[block + "gcn.conv.bias"] = (3 * c_out, c_in, 1, 1), (3 * c_out,)
        batch_norm(block + "tcn.0", c_out)
        shapes[block + "tcn.2.weight"], shapes[block + "tcn.2.bias"] = (c_out, c_out, 9, 1), (c_out,)
        batch_norm(block + "tcn.3", c_out)
        if i > 0 and (c_in != c_out or UNIMTS_STRIDES[i] != 1):
            shapes[block + "residual.0.weight"], shapes[block + "residual.0.bias"] = (c_out, c_in, 1, 1), (c_out,)
            batch_norm(block + "residual.1", c_out)
    shapes.update({f"acc.edge_importance.{i}": (3, 22, 22) for i in range(10)})
    return shapes


def synthetic_checkpoint(shapes: dict[str, tuple[int, ...]], seed: int = 0) -> dict[str, torch.Tensor]:
    """Random weights of plausible scale under ``shapes``; ``acc.A`` the true graph."""
    generator = torch.Generator().manual_seed(seed)
    state = {}
    for name, shape in shapes.items():
        if name == "acc.A":
            value = reference_partitions()
        elif name == "logit_scale":
            value = torch.tensor(math.log(100.0))
        elif name.endswith("num_batches_tracked"):
            value = torch.tensor(1000)
        elif name.endswith("running_var") or name.startswith("acc.edge_importance"):
            value = 0.5 + torch.rand(shape, generator=generator)
        elif len(shape) == 1 and name.endswith("weight"):  # batch- and layer-norm scales
            value = 1.0 + 0.1 * torch.randn(shape, generator=generator)
        elif len(shape) == 1:
            value = 0.1 * torch.randn(shape, generator=generator)
        else:
            value = torch.randn(shape, generator=generator) / math.sqrt(math.prod(shape[1:]))
        state[name] = value
    return state


def reference_stgcn_forward(state: dict[str, torch.Tensor], imu: torch.Tensor) -> torch.Tensor:
    """UniMTS's ST-GCN in eval mode written out directly from the paper and the released layout.

    ``imu`` (B, T, 66) is what UniMTS feeds its encoder: 22 joints x 3 acceleration channels, joint-major.
    """
    def batch_norm(x: torch.Tensor, name: str) -> torch.Tensor:
        return F.batch_norm(x, state[f"{name}.running_mean"], state[f"{name}.running_var"],
                            state[f"{name}.weight"], state[f"{name}.bias"], training=False, eps=1e-5)

    b, t, _ = imu.shape
    x = imu.reshape(b, t, 22, 3).permute(0, 3, 1, 2).unsqueeze(-1)  # (N, C, T, V, M=1)
    n, c, t, v, m = x.shape
    x = batch_norm(x.permute(0, 4, 3, 1, 2).reshape(n * m, v * c, t), "data_bn")
    x = x.reshape(n, m, v, c, t).permute(0, 1, 3, 4, 2).reshape(n * m, c, t, v)
    for i, stride in enumerate(UNIMTS_STRIDES):
        block = f"st_gcn_networks.{i}."
        if i == 0:
            residual = 0.0
        elif block + "residual.0.weight" in state:
            residual = batch_norm(F.conv2d(x, state[block + "residual.0.weight"], state[block + "residual.0.bias"],
                                           stride=(stride, 1)), block + "residual.1")
        else:
            residual = x
        adjacency = state["A"] * state[f"edge_importance.{i}"]
        y = F.conv2d(x, state[block + "gcn.conv.weight"], state[block + "gcn.conv.bias"])
        y = y.view(y.shape[0], 3, y.shape[1] // 3, y.shape[2], y.shape[3])
        y = torch.einsum("nkctv,kvw->nctw", y, adjacency)
        y = F.relu(batch_norm(y, block + "tcn.0"))
        y = F.conv2d(y, state[block + "tcn.2.weight"], state[block + "tcn.2.bias"], stride=(stride, 1), padding=(4, 0))
        x = F.relu(batch_norm(y, block + "tcn.3") + residual)
    return F.avg_pool2d(x, x.shape[2:]).view(n, m, -1).mean(dim=1)


@pytest.fixture(scope="module")
def checkpoint() -> dict[str, torch.Tensor]:
    return synthetic_checkpoint(unimts_checkpoint_shapes())


@pytest.fixture(scope="module")
def imported(checkpoint):
    stgcn_state, text_state, logit_scale = split_unimts_state(checkpoint)
    encoder, text_tower = unimts_encoders(stgcn_state, text_state)
    return stgcn_state, text_state, logit_scale, encoder, text_tower


# ---------------------------------------------------------------------------------------------- names


def test_listing_agrees_with_known_entries():
    shapes = unimts_checkpoint_shapes()
    assert len(shapes) == 327
    for name, shape in KNOWN_ENTRIES.items():
        assert shapes[name] == shape, name


def test_listing_agrees_with_the_released_key_table(reference_dir):
    table = {}
    for line in (reference_dir / "unimts_checkpoint_keys.tsv").read_text().splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("name\t"):
            continue
        name, shape = line.split("\t")
        table[name] = () if shape == "scalar" else tuple(int(size) for size in shape.split("x"))
    assert table == unimts_checkpoint_shapes()


# ---------------------------------------------------------------------------------------------- mapping


def test_split_sorts_every_entry(checkpoint, imported):
    stgcn_state, text_state, logit_scale, encoder, _ = imported
    assert {"acc." + key for key in stgcn_state} == {key for key in checkpoint if key.startswith("acc.")}
    assert set(stgcn_state) == set(encoder.state_dict())
    assert len(stgcn_state) + len(text_state) + 1 == len(checkpoint)
    assert "token_embedding.weight" in text_state and "transformer.resblocks.11.mlp.c_proj.bias" in text_state
    assert logit_scale == pytest.approx(math.log(100.0))


def test_split_removes_a_wrapper_prefix(checkpoint):
    wrapped = {"model." + key: value for key, value in checkpoint.items()}
    stgcn_state, text_state, _ = split_unimts_state(wrapped)
    assert stgcn_state["data_bn.weight"] is checkpoint["acc.data_bn.weight"]
    assert text_state["ln_final.bias"] is checkpoint["ln_final.bias"]


def test_imported_encoder_equals_the_reference_forward(imported):
    stgcn_state, _, _, encoder, _ = imported
    torch.manual_seed(1)
    imu = torch.randn(3, 48, 66)
    with torch.no_grad():
        ours = encoder(imu.reshape(3, 48, 22, 3), torch.ones(3, 48, 22, 3))
        expected = reference_stgcn_forward(stgcn_state, imu)
    assert ours.shape == (3, 512)
    assert torch.allclose(ours, expected, rtol=1e-4, atol=1e-5 * expected.abs().max().item())


def test_imported_text_tower_equals_open_clip(imported):
    import open_clip
    from open_clip.transformer import QuickGELU

    _, text_state, _, _, text_tower = imported
    assert all(isinstance(block.mlp.gelu, QuickGELU) for block in text_tower.transformer.resblocks)
    clip = open_clip.create_model(CLIP_MODEL, pretrained=None)
    missing, unexpected = clip.load_state_dict(text_state, strict=False)
    assert not unexpected and all(key.startswith("visual.") or key == "logit_scale" for key in missing)
    tokens = open_clip.get_tokenizer(CLIP_MODEL)(["a person walks forward", "jumping jacks", ""])
    with torch.no_grad():
        expected = clip.eval().encode_text(tokens)
        ours = text_tower(tokens)
    assert ours.shape == (3, 512)
    assert torch.allclose(ours, expected, rtol=1e-5, atol=1e-6)


def test_missing_or_misshapen_entries_are_refused(checkpoint):
    stgcn_state, text_state, _ = split_unimts_state(checkpoint)
    without = {key: value for key, value in stgcn_state.items() if key != "st_gcn_networks.3.tcn.2.weight"}
    with pytest.raises(InputError, match=r"missing: acc\.st_gcn_networks\.3\.tcn\.2\.weight"):
        unimts_encoders(without, text_state)
    six_channels = {**stgcn_state, "data_bn.weight": torch.ones(132)}
    with pytest.raises(InputError, match=r"wrong shape: acc\.data_bn\.weight"):
        unimts_encoders(six_channels, text_state)
    shuffled = {**stgcn_state, "A": stgcn_state["A"][:, torch.randperm(22)]}
    with pytest.raises(InputError, match="acc.A"):
        unimts_encoders(shuffled, text_state)
    with pytest.raises(InputError, match="missing logit_scale"):
        split_unimts_state({key: value for key, value in checkpoint.items() if key != "logit_scale"})
    with pytest.raises(InputError, match="no UniMTS motion encoder"):
        split_unimts_state(text_state)
    with pytest.raises(InputError, match="unexpected"):
        split_unimts_state({**checkpoint, "visual.proj": torch.zeros(768, 512)})


# ---------------------------------------------------------------------------------------------- files


def test_cli_writes_the_model_folder(tmp_path, checkpoint, imported):
    from safetensors.torch import load_file

    stgcn_state, text_state, _, encoder, _ = imported
    path = tmp_path / "UniMTS.pth"
    torch.save({"state_dict": checkpoint, "epoch": 100}, path)
    assert load_unimts_checkpoint(path).keys() == checkpoint.keys()
    main([str(path), "--model", str(tmp_path / "unimts")])
    main([str(path), str(tmp_path / "old-spelling")])  # the model folder as the old positional argument

    tensors = load_file(str(tmp_path / "unimts" / "model.safetensors"))
    assert load_file(str(tmp_path / "old-spelling" / "model.safetensors")).keys() == tensors.keys()
    assert set(tensors) == ({"imu_encoder." + key for key in stgcn_state}
                            | {"text_tower.encoder." + key for key in text_state} | {"logit_scale"})
    assert torch.equal(tensors["imu_encoder.st_gcn_networks.7.residual.1.running_var"],
                       checkpoint["acc.st_gcn_networks.7.residual.1.running_var"])
    assert torch.equal(tensors["text_tower.encoder.token_embedding.weight"], checkpoint["token_embedding.weight"])
    assert tensors["logit_scale"].shape == () and tensors["logit_scale"].item() == pytest.approx(math.log(100.0))

    config = json.loads((tmp_path / "unimts" / "config.json").read_text())
    assert config == {
        "format": "motion-pretrain/1",
        "imu_encoder": {"channels": list(UNIMTS_WIDTHS[1:]), "strides": list(UNIMTS_STRIDES), "temporal_kernel": 9,
                        "dropout": 0.0, "edge_importance": True},
        "text_tower": {"kind": "open_clip", "name": "ViT-B-32-quickgelu", "pretrained": None, "train": "frozen"},
        "embed_dim": None,
        "channels": 3,
        "data": {"window": 200, "rate_hz": 20.0, "channels": 3},
        "source": "unimts",
    }
    assert encoder.config() == {"in_channels": 3, **config["imu_encoder"]}


def test_cli_refuses_a_garbled_file(tmp_path):
    garbled = tmp_path / "UniMTS.pth"
    garbled.write_bytes(b"\x80\x02this is not a checkpoint")
    result = subprocess.run([sys.executable, "-m", "pretrain.import_unimts", str(garbled), str(tmp_path / "out")],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and str(garbled) in result.stderr
    assert not (tmp_path / "out" / "model.safetensors").exists()


class _Payload:
    """An object a weights-only load must refuse to unpickle."""


@pytest.mark.parametrize("content", ["missing", "object", "not a dict"])
def test_cli_refuses_unusable_checkpoints(tmp_path, content):
    path = tmp_path / "UniMTS.pth"
    if content == "object":
        torch.save({"state_dict": {"acc.A": torch.zeros(1)}, "extra": _Payload()}, path)
    elif content == "not a dict":
        torch.save([torch.zeros(1)], path)
    with pytest.raises(SystemExit) as exit_info:
        main([str(path), str(tmp_path / "out")])
    assert exit_info.value.code == 2


def test_load_model_gives_the_reference_embeddings(tmp_path, checkpoint, imported):
    """``load_model`` on the imported folder: the reference ST-GCN forward (acceleration only; the
    gyroscope channels are ignored) and CLIP's text features, L2-normalised, with CLIP's temperature."""
    import open_clip

    from pretrain import load_model

    stgcn_state, text_state, _, _, _ = imported
    path = tmp_path / "UniMTS.pth"
    torch.save(checkpoint, path)
    main([str(path), str(tmp_path / "unimts")])
    model = load_model(tmp_path / "unimts")

    torch.manual_seed(2)
    imu = torch.randn(2, 40, 22, 6)
    texts = ["a person walks forward", "jumping jacks"]
    clip = open_clip.create_model(CLIP_MODEL, pretrained=None)
    clip.load_state_dict(text_state, strict=False)
    with torch.no_grad():
        ours_imu = model.encode_imu(imu, torch.ones_like(imu))
        expected_imu = F.normalize(reference_stgcn_forward(stgcn_state, imu[..., :3].reshape(2, 40, 66)), dim=-1)
        ours_text = model.encode_text(texts)
        expected_text = F.normalize(clip.eval().encode_text(open_clip.get_tokenizer(CLIP_MODEL)(texts)), dim=-1)
    assert ours_imu.shape == (2, 512) and ours_text.shape == (2, 512)
    assert torch.allclose(ours_imu, expected_imu, atol=1e-5)
    assert torch.allclose(ours_text, expected_text, atol=1e-5)
    assert model.clamped_logit_scale().item() == pytest.approx(100.0)
