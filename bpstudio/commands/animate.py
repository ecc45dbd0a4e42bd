"""``bpstudio animate FILE -o OUT``: the stepped pass as an animated GIF, APNG or PNG frames."""

from __future__ import annotations

from .media import media_setup, media_write, progress_lines


def cmd_animate(args) -> int:
    from ..qt.film_writers import output_kind, write_film
    from ..qt.pass_frames import FilmError, PassFilm, parse_size, parse_steps

    def options():
        steps, size = parse_steps(args.steps), parse_size(args.size)
        if not 1 <= args.fps <= 60:
            raise FilmError(f"--fps {args.fps}: between 1 and 60")
        output_kind(args.output)
        return steps, size

    graph, samples, (steps, size) = media_setup(args, options)

    def write() -> None:
        film = PassFilm(graph, None if args.all else samples[0], size, args.theme)
        write_film(
            film.frames(steps, args.fps),
            args.output,
            args.fps,
            progress_lines(film.count(steps, args.fps)),
        )

    return media_write(args, write)
