"""The course's tools, apart from the lecture's modules: the command line (`cli`, ``python -m gencore``),
the course's models by name (`zoo`), the student notebooks built from the solutions (`build`), grading
(`grade`) and the website (`book`)."""
