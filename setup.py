"""tfx-dcai: TFX components for data-centric AI (label consistency, slice error analysis, drift validation).

Requirements are ranges that admit requirements/lock.txt; install from the lock (see the README).
"""
from setuptools import find_packages, setup

setup(
    name="tfx-dcai",
    version="0.1.0",
    description="TFX components for data-centric AI: label consistency, slice error analysis, drift validation",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.9,<3.11",
    packages=find_packages(include=["components", "components.*", "pipelines", "pipelines.*"]),
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
    entry_points={"console_scripts": ["dcai=pipelines.cli:main"]},
)
