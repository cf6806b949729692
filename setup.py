"""tfx-dcai: TFX components for data-centric AI (label consistency, slice error analysis, drift validation).

The import name is `tfx_dcai`: the `components/` folder is its source, `pipelines/` its subpackage
`tfx_dcai.pipelines` and `schemas/` its data package `tfx_dcai.schemas`. Nothing is installed under the top-level
names `components` or `pipelines`, which users' own projects often have.

Requirements are ranges that admit requirements/lock.txt; install from the lock (see the README).
"""
import os

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def _subpackages(folder: str, package: str) -> dict:
    """{import name: folder} for `folder` and every folder below it that holds an __init__.py."""
    found = {package: folder}
    for sub in find_packages(os.path.join(HERE, folder)):
        found[f"{package}.{sub}"] = os.path.join(folder, *sub.split("."))
    return found


PACKAGE_DIR = {**_subpackages("components", "tfx_dcai"), **_subpackages("pipelines", "tfx_dcai.pipelines"),
               "tfx_dcai.schemas": "schemas"}

setup(
    name="tfx-dcai",
    version="0.2.0",
    description="TFX components for data-centric AI: label consistency, slice error analysis, drift validation",
    long_description=open(os.path.join(HERE, "README.md"), encoding="utf-8").read(),  # local
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    license_files=["LICENSE"],
    python_requires=">=3.9,<3.11",
    packages=sorted(PACKAGE_DIR),
    package_dir=PACKAGE_DIR,
    package_data={"tfx_dcai.schemas": ["*/schema.pbtxt"]},
    include_package_data=False,
    install_requires=[
        "tfx[kfp]>=1.16,<1.17",
        "tensorflow>=2.16,<2.17",
        "tensorflow-data-validation>=1.16,<1.17",
        "apache-beam[gcp]>=2.59,<2.60",
        "ml-metadata>=1.16,<1.17",
        "protobuf>=3.20.3,<4",
        "tf-keras>=2.16,<2.17",
        "scipy>=1.10,<1.14",
        "scikit-learn>=1.3,<1.6",
        "google-crc32c>=1.5,<2",
    ],
    entry_points={"console_scripts": ["dcai=tfx_dcai.pipelines.cli:main"]},
)
