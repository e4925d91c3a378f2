"""Draws the app icon (RGBA PNGs and an ICO) with the standard library only.

A teal rounded square with a white ledger page and a check mark.
Usage: python3 tools/make_icons.py  (writes icons/)
"""
import struct
import zlib
from pathlib import Path


def png(size: int) -> bytes:
    rows = []
    r = size * 0.18  # corner radius
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            fx, fy = x + 0.5, y + 0.5
            # rounded-square mask
            cx = min(max(fx, r), size - r)
            cy = min(max(fy, r), size - r)
            inside = (fx - cx) ** 2 + (fy - cy) ** 2 <= r * r
            if not inside:
                row += bytes([0, 0, 0, 0])
                continue
            color = (14, 116, 120, 255)
            u, v = fx / size, fy / size
            # page
            if 0.27 <= u <= 0.73 and 0.2 <= v <= 0.8:
                color = (250, 250, 247, 255)
                # ruled lines
                for line in (0.33, 0.43, 0.53):
                    if abs(v - line) < 0.018 and 0.34 <= u <= 0.66:
                        color = (150, 170, 172, 255)
                # check mark: two strokes
                def near(ax, ay, bx, by, w=0.035):
                    dx, dy = bx - ax, by - ay
                    t = max(0.0, min(1.0, ((u - ax) * dx + (v - ay) * dy) / (dx * dx + dy * dy)))
                    px, py = ax + t * dx, ay + t * dy
                    return (u - px) ** 2 + (v - py) ** 2 <= w * w
                if near(0.38, 0.64, 0.47, 0.72) or near(0.47, 0.72, 0.64, 0.58):
                    color = (14, 116, 120, 255)
            row += bytes(color)
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def ico(pngs: list[tuple[int, bytes]]) -> bytes:
    head = struct.pack("<HHH", 0, 1, len(pngs))
    offset = 6 + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, data in pngs:
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
        blobs += data
    return head + entries + blobs


out = Path(__file__).resolve().parent.parent / "icons"
out.mkdir(exist_ok=True)
sizes = {"32x32.png": 32, "128x128.png": 128, "128x128@2x.png": 256, "icon.png": 512}
for name, size in sizes.items():
    (out / name).write_bytes(png(size))
(out / "icon.ico").write_bytes(ico([(s, png(s)) for s in (16, 32, 48, 256)]))
