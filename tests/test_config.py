"""Region config loading: the shipped configs load; bad ones name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectivity.config import load_region_config, require_file
from connectivity.errors import ConfigError, MissingFileError

MINIMAL = """
[region]
name = "demo"

[roads]
path = "roads.osm"

[population]
path = "people.csv"

[markets]
path = "markets.csv"

[schools]
path = "schools.csv"
"""


def _write(tmp_path: Path, text: str, name: str = "demo.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_sample_config_loads(repo_root):
    cfg = load_region_config(repo_root / "data" / "regions" / "sample.toml")
    assert cfg.region.name == "sample"
    assert cfg.region.synthetic is True
    assert cfg.access.thresholds_min == [30, 60, 120]
    assert cfg.sample is not None and cfg.sample.seed == 42
    assert cfg.resolve(cfg.roads.path) == (repo_root / "data" / "sample" / "roads.osm").resolve()
    assert cfg.budget is not None and cfg.budget.amount == 15_000_000.0


def test_defaults_of_a_minimal_config(tmp_path):
    cfg = load_region_config(_write(tmp_path, MINIMAL))
    assert cfg.region.lang == "es"
    assert cfg.population.kind == "points"
    assert cfg.speeds.walk_kph == 5.0
    assert cfg.access.max_connector_m == 2000.0
    assert cfg.resolve("people.csv") == tmp_path / "people.csv"
    assert cfg.budget is None


def test_unknown_key_is_named_with_its_section_and_file(tmp_path):
    path = _write(tmp_path, MINIMAL.replace('path = "roads.osm"', 'pth = "roads.osm"'))
    with pytest.raises(ConfigError) as err:
        load_region_config(path)
    msg = str(err.value)
    assert str(path) in msg
    assert "unknown key 'pth' in [roads]" in msg


def test_unknown_section_is_named(tmp_path):
    path = _write(tmp_path, MINIMAL + "\n[speed]\nwalk_kph = 4\n")
    with pytest.raises(ConfigError, match="unknown key 'speed' in top level"):
        load_region_config(path)


def test_wrong_type_names_key_and_value(tmp_path):
    path = _write(tmp_path, MINIMAL + '\n[access]\nthresholds_min = [30, "sixty"]\n')
    with pytest.raises(ConfigError) as err:
        load_region_config(path)
    assert "key 'access.thresholds_min.1'" in str(err.value)
    assert "'sixty'" in str(err.value)


def test_bad_values_are_rejected(tmp_path):
    bad_lang = MINIMAL.replace('name = "demo"', 'name = "demo"\nlang = "fr"')
    with pytest.raises(ConfigError, match=r"key 'region\.lang'"):
        load_region_config(_write(tmp_path, bad_lang))
    bad_bbox = MINIMAL.replace('path = "roads.osm"', "bbox = [-71, -13, -72, -12]")
    with pytest.raises(ConfigError, match="west<east"):
        load_region_config(_write(tmp_path, bad_bbox))
    neg = MINIMAL + "\n[budget]\namount = -5\n"
    with pytest.raises(ConfigError, match=r"key 'budget\.amount'.*greater than 0"):
        load_region_config(_write(tmp_path, neg))
    cap = MINIMAL + "\n[ranking]\nunreachable_cap_min = 0\n"
    with pytest.raises(ConfigError, match=r"key 'ranking\.unreachable_cap_min'"):
        load_region_config(_write(tmp_path, cap))
    wet = MINIMAL + "\n[ranking]\nwet_weight = 1.5\n"
    with pytest.raises(ConfigError, match=r"wet_weight is replaced by dry_days, rain_days"):
        load_region_config(_write(tmp_path, wet))
    seconds = MINIMAL + "\n[ranking]\nmin_gain_min = 0.1\n"  # a gain nobody would notice
    with pytest.raises(
        ConfigError, match=r"key 'ranking\.min_gain_min'.*greater than or equal to 1"
    ):
        load_region_config(_write(tmp_path, seconds))
    hurdle = MINIMAL + "\n[ranking]\nmin_score_per_1000 = -1\n"
    with pytest.raises(ConfigError, match=r"key 'ranking\.min_score_per_1000'"):
        load_region_config(_write(tmp_path, hurdle))
    kind = MINIMAL + '\n[candidates]\ngenerate = ["tunnel"]\n'
    with pytest.raises(ConfigError, match=r"key 'candidates\.generate\.0'"):
        load_region_config(_write(tmp_path, kind))


def test_missing_required_section(tmp_path):
    path = _write(tmp_path, MINIMAL.replace('[schools]\npath = "schools.csv"', ""))
    with pytest.raises(ConfigError, match="missing required key 'schools'"):
        load_region_config(path)


def test_not_toml(tmp_path):
    path = _write(tmp_path, "[region\nname = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_region_config(path)


def test_missing_config_file_lists_known_regions(tmp_path, monkeypatch):
    from connectivity.settings import settings

    monkeypatch.setattr(settings, "home", tmp_path)
    (tmp_path / "data" / "regions").mkdir(parents=True)
    _write(tmp_path / "data" / "regions", MINIMAL, "andahuaylas.toml")
    with pytest.raises(
        MissingFileError, match=r"region config not found.*known regions.*andahuaylas"
    ):
        load_region_config("nowhere")
    assert load_region_config("andahuaylas").region.name == "demo"


def test_require_file_names_the_key_and_config(tmp_path):
    cfg = load_region_config(_write(tmp_path, MINIMAL))
    with pytest.raises(MissingFileError) as err:
        require_file(cfg.resolve(cfg.roads.path), what="roads.path", config=cfg)
    assert "roads.path: file not found" in str(err.value)
    assert "demo.toml" in str(err.value)
    assert isinstance(err.value, FileNotFoundError)


def test_default_crs_comes_from_settings(tmp_path, monkeypatch):
    from connectivity.settings import settings

    assert load_region_config(_write(tmp_path, MINIMAL)).region.crs == "auto"
    monkeypatch.setattr(settings, "default_crs", "EPSG:32718")
    assert load_region_config(_write(tmp_path, MINIMAL)).region.crs == "EPSG:32718"


def test_destination_kinds_of_a_region(tmp_path):
    """Markets and schools always, health when given, then the region's own kinds."""
    assert load_region_config(_write(tmp_path, MINIMAL)).kinds == ("market", "school")
    text = (
        MINIMAL
        + """
[health]
path = "health.csv"

[destinations.bus_stop]
kind = "osm"
osm_tags = { highway = ["bus_stop"] }

[ranking]
market_weight = 0.4
school_weight = 0.3
health_weight = 0.2
destination_weights = { bus_stop = 0.1 }

[appraisal]
value_of_time_per_hour = 3.0
value_of_time_source = "test"
trips = { bus_stop = { per_year = 24, per = "person" } }
"""
    )
    cfg = load_region_config(_write(tmp_path, text))
    assert cfg.kinds == ("market", "school", "health", "bus_stop")
    assert cfg.facility_section_key("bus_stop") == "destinations.bus_stop"
    assert cfg.ranking.kind_weights(cfg.kinds) == {
        "market": 0.4,
        "school": 0.3,
        "health": 0.2,
        "bus_stop": 0.1,
    }
    # a partial trips table keeps the defaults of the others (health: 2 visits a person)
    assert cfg.appraisal is not None
    assert cfg.appraisal.trips["health"].per_year == 2.0
    assert cfg.appraisal.trips["bus_stop"].per_year == 24.0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '[destinations.bank]\npath = "b.csv"\n',
            r"destination_weights has no weight for \['bank'\]",
        ),
        (
            '[destinations.bank]\npath = "b.csv"\n[ranking]\ndestination_weights = {bank = 0.1}\n'
            '[appraisal]\nvalue_of_time_per_hour = 3.0\nvalue_of_time_source = "t"\n',
            r"trips has no trip rate for \['bank'\]",
        ),
        ("[ranking]\ndestination_weights = {bank = 0.1}\n", r"names \['bank'\], which have no"),
        ('[destinations.Bank]\npath = "b.csv"\n', r"\[destinations.Bank\]: a destination kind is"),
        ('[destinations.health]\npath = "b.csv"\n', r"\[destinations.health\]: a destination kind"),
        ('[destinations.market_walk]\npath = "b.csv"\n', "would clash with the columns"),
        (
            '[appraisal]\nvalue_of_time_per_hour = 3.0\nvalue_of_time_source = "t"\n'
            "trips = { health = { per_year = 2 } }\n",
            r"trips for \['health'\], which the region does not have",
        ),
        (
            "[ranking]\nmarket_weight = 0\nschool_weight = 0\n",
            r"weights of \['market', 'school'\] are all 0",
        ),
    ],
)
def test_bad_destination_kinds_are_named(tmp_path, extra, message):
    with pytest.raises(ConfigError, match=message):
        load_region_config(_write(tmp_path, MINIMAL + extra))


def test_weights_that_do_not_make_one_are_shares_with_a_warning(tmp_path, caplog):
    text = MINIMAL + '[health]\npath = "h.csv"\n[ranking]\nmarket_weight = 1\n'
    load_region_config(_write(tmp_path, text))
    assert "used as shares of their sum, 50% market, 25% school, 25% health" in caplog.text
    caplog.clear()
    # the defaults weigh every kind alike, with no warning
    load_region_config(_write(tmp_path, MINIMAL + '[health]\npath = "h.csv"\n'))
    assert "shares" not in caplog.text
