"""QR codes as inline SVG, drawn on the server: no image library, no script, nothing a user typed."""

import qrcode
import qrcode.image.svg


def qr_svg(data: str, *, box_size: int = 10) -> str:
    """`data` (a URL or an otpauth:// URI we built ourselves) as an SVG QR code with a 2-module border."""
    code = qrcode.QRCode(image_factory=qrcode.image.svg.SvgPathImage, box_size=box_size, border=2)
    code.add_data(data)
    code.make(fit=True)
    return code.make_image().to_string(encoding="unicode")
