from __future__ import annotations

import pytest

from clio_kit.config import PipelineConfig, PrivacyConfig, load_config
from clio_kit.errors import ConfigError
from clio_kit.hashing import stable_hash


def test_flat_privacy_keys_and_round_trip() -> None:
    cfg = PipelineConfig(min_users=7, n_levels=2)
    assert cfg.privacy == PrivacyConfig(min_users=7)
    assert PipelineConfig.from_dict(cfg.to_dict()) == cfg


def test_hash_changes_with_any_setting() -> None:
    base = stable_hash(PipelineConfig().to_dict())
    assert stable_hash(PipelineConfig().to_dict()) == base
    assert stable_hash(PipelineConfig(min_conversations=16).to_dict()) != base
    assert stable_hash(PipelineConfig(seed=1).to_dict()) != base


@pytest.mark.parametrize("bad", [{"sample": 0}, {"n_levels": 0}, {"min_users": 0}, {"min_audit_score": 6},
                                 {"no_such_setting": 1}])
def test_bad_settings_raise_one_line_config_errors(bad: dict) -> None:
    with pytest.raises(ConfigError) as info:
        PipelineConfig(**bad)
    assert "\n" not in str(info.value)


def test_load_config_from_toml_and_json(tmp_path) -> None:  # noqa: ANN001
    toml = tmp_path / "c.toml"
    toml.write_text('n_levels = 2\nsample = 100\n[privacy]\nmin_users = 3\n')
    cfg = load_config(toml)
    assert (cfg.n_levels, cfg.sample, cfg.privacy.min_users) == (2, 100, 3)
    js = tmp_path / "c.json"
    js.write_text('{"min_conversations": 4}')
    assert load_config(js).privacy.min_conversations == 4
    broken = tmp_path / "b.toml"
    broken.write_text("n_levels = = 2")
    with pytest.raises(ConfigError, match="b.toml"):
        load_config(broken)
