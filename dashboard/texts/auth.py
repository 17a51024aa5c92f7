"""UI strings of the auth pages (merged into dashboard.i18n.TEXT)."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    # sign-in page
    "auth.login.title": {"vi": "Đăng nhập", "en": "Sign in"},
    "auth.login.intro": {
        "vi": "Trung tâm điều hành thông minh. Đăng nhập bằng tài khoản được cấp.",
        "en": "Operations center. Sign in with the account you were given.",
    },
    "auth.login.name": {"vi": "Tên đăng nhập", "en": "User name"},
    "auth.login.password": {"vi": "Mật khẩu", "en": "Password"},
    "auth.login.submit": {"vi": "Đăng nhập", "en": "Sign in"},
    "auth.login.failed": {
        "vi": "Sai tên đăng nhập hoặc mật khẩu.",
        "en": "Wrong user name or password.",
    },
    "auth.login.locked": {
        "vi": "Quá nhiều lần đăng nhập sai. Thử lại sau {seconds} giây.",
        "en": "Too many failed sign-ins. Try again in {seconds} seconds.",
    },
    "auth.login.stale_form": {
        "vi": "Biểu mẫu đã hết hạn, vui lòng nhập lại.",
        "en": "The form expired; please enter your details again.",
    },
    "auth.login.signed_out": {"vi": "Bạn đã đăng xuất.", "en": "You are signed out."},
    "auth.login.expired": {
        "vi": "Phiên làm việc đã kết thúc. Vui lòng đăng nhập lại.",
        "en": "Your session has ended. Please sign in again.",
    },
    "auth.login.token": {
        "vi": "Liên kết màn hình này không còn hiệu lực. Liên hệ quản trị viên.",
        "en": "This screen's link is no longer valid. Ask an administrator.",
    },
    # shell
    "auth.signed_in_as": {"vi": "Đăng nhập: {name} ({role})", "en": "Signed in: {name} ({role})"},
    "auth.logout": {"vi": "Đăng xuất", "en": "Sign out"},
    "auth.sign_in_link": {"vi": "Đăng nhập", "en": "Sign in"},
    "auth.role.viewer": {"vi": "xem", "en": "viewer"},
    "auth.role.operator": {"vi": "vận hành", "en": "operator"},
    "auth.role.manager": {"vi": "quản lý", "en": "manager"},
    "auth.role.admin": {"vi": "quản trị", "en": "admin"},
    "auth.wall_screen": {"vi": "Màn hình: {name}", "en": "Screen: {name}"},
    # 403
    "auth.forbidden.title": {"vi": "Không có quyền truy cập", "en": "Not allowed"},
    "auth.forbidden.body": {
        "vi": "Tài khoản này không được xem trang này.",
        "en": "This account may not see this page.",
    },
    "auth.forbidden.home": {"vi": "Về trang chính", "en": "Back to the wall"},
    # admin page
    "admin.nav": {"vi": "Quản trị", "en": "Admin"},
    "admin.title": {"vi": "Quản trị truy cập", "en": "Access administration"},
    "admin.intro": {
        "vi": "Tài khoản, mã màn hình tường, mã API và nhật ký kiểm tra.",
        "en": "Accounts, wall-screen tokens, API tokens and the audit log.",
    },
    "admin.users": {"vi": "Tài khoản", "en": "Accounts"},
    "admin.tokens": {"vi": "Mã truy cập", "en": "Tokens"},
    "admin.audit": {"vi": "Nhật ký kiểm tra", "en": "Audit log"},
    "admin.col.name": {"vi": "Tên", "en": "Name"},
    "admin.col.role": {"vi": "Vai trò", "en": "Role"},
    "admin.col.state": {"vi": "Trạng thái", "en": "State"},
    "admin.col.created": {"vi": "Tạo lúc", "en": "Created"},
    "admin.col.kind": {"vi": "Loại", "en": "Kind"},
    "admin.col.prefix": {"vi": "Mã (đầu)", "en": "Token (start)"},
    "admin.col.scope": {"vi": "Phạm vi", "en": "Scope"},
    "admin.col.last_used": {"vi": "Dùng lần cuối", "en": "Last used"},
    "admin.col.at": {"vi": "Thời điểm", "en": "Time"},
    "admin.col.actor": {"vi": "Người thực hiện", "en": "Who"},
    "admin.col.action": {"vi": "Hành động", "en": "Action"},
    "admin.col.target": {"vi": "Đối tượng", "en": "Target"},
    "admin.col.outcome": {"vi": "Kết quả", "en": "Outcome"},
    "admin.col.address": {"vi": "Địa chỉ", "en": "Address"},
    "admin.state.active": {"vi": "hoạt động", "en": "active"},
    "admin.state.disabled": {"vi": "đã khoá", "en": "disabled"},
    "admin.state.revoked": {"vi": "đã thu hồi", "en": "revoked"},
    "admin.kind.wall": {"vi": "màn hình tường", "en": "wall screen"},
    "admin.kind.api": {"vi": "API", "en": "API"},
    "admin.kind.open311": {"vi": "khoá Open311", "en": "Open311 key"},
    "admin.new_token": {"vi": "Mã mới", "en": "New token"},
    "admin.token_name": {"vi": "Tên mã", "en": "Token name"},
    "admin.create_wall": {"vi": "Tạo mã màn hình tường", "en": "Create wall-screen token"},
    "admin.create_api": {"vi": "Tạo mã API (chỉ đọc)", "en": "Create API token (read-only)"},
    "admin.create_open311": {
        "vi": "Tạo khoá Open311 (ứng dụng người dân)",
        "en": "Create Open311 key (citizen app)",
    },
    "admin.created_open311": {
        "vi": "Đã tạo. Khoá api_key Open311 của ứng dụng (chỉ hiện lần này): {secret}",
        "en": "Created. The app's Open311 api_key (shown only now): {secret}",
    },
    "admin.revoke": {"vi": "Thu hồi", "en": "Revoke"},
    "admin.created_wall": {
        "vi": "Đã tạo. Mở địa chỉ này một lần trên màn hình (chỉ hiện lần này): {link}",
        "en": "Created. Open this address once on the screen (shown only now): {link}",
    },
    "admin.created_api": {
        "vi": "Đã tạo. Mã API (chỉ hiện lần này): {secret}",
        "en": "Created. The API token (shown only now): {secret}",
    },
    "admin.revoked": {"vi": "Đã thu hồi mã {name}.", "en": "Token {name} revoked."},
    "admin.error": {"vi": "Không thực hiện được: {message}", "en": "Not done: {message}"},
    # why an account change was refused (AccountError.code), in the page's language
    "admin.error.user_exists": {
        "vi": "đã có tài khoản tên “{name}”.",
        "en": "a user named “{name}” already exists.",
    },
    "admin.error.token_exists": {
        "vi": "đã có mã tên “{name}”.",
        "en": "a token named “{name}” already exists.",
    },
    "admin.error.no_user": {
        "vi": "không có tài khoản tên “{name}”.",
        "en": "there is no user named “{name}”.",
    },
    "admin.error.no_token": {
        "vi": "không có mã tên “{name}”.",
        "en": "there is no token named “{name}”.",
    },
    "admin.error.bad_user_name": {
        "vi": "tên tài khoản “{name}” không hợp lệ: dùng 1–64 chữ thường, chữ số, '.', '_' hoặc '-'.",
        "en": "user name “{name}”: use 1 to 64 lowercase letters, digits, '.', '_' or '-'.",
    },
    "admin.error.bad_token_name": {
        "vi": "tên mã “{name}” không hợp lệ: dùng 1–64 chữ thường, chữ số, '.', '_' hoặc '-'.",
        "en": "token name “{name}”: use 1 to 64 lowercase letters, digits, '.', '_' or '-'.",
    },
    "admin.error.self_disable": {
        "vi": "quản trị viên không thể tự khoá tài khoản của mình.",
        "en": "an admin cannot disable their own account.",
    },
    "admin.error.unknown_role": {
        "vi": "không có vai trò “{role}”; chọn một trong: {known}.",
        "en": "there is no role “{role}”; one of: {known}.",
    },
    "admin.error.unknown_kind": {
        "vi": "không có loại mã “{kind}”; chọn wall hoặc api.",
        "en": "there is no token kind “{kind}”; wall or api.",
    },
    "admin.error.unknown_scope": {
        "vi": "phạm vi không hợp lệ: {scopes}; các phạm vi có: {known}.",
        "en": "unknown scope(s): {scopes}; known: {known}.",
    },
    "admin.page": {"vi": "Trang {page} trên {pages}", "en": "Page {page} of {pages}"},
    "admin.prev": {"vi": "← Mới hơn", "en": "← Newer"},
    "admin.next": {"vi": "Cũ hơn →", "en": "Older →"},
    "admin.users_cli": {
        "vi": "Thêm, khoá tài khoản và đổi mật khẩu bằng lệnh: cityops user add|disable|passwd.",
        "en": "Add and disable accounts, change passwords with: cityops user add|disable|passwd.",
    },
    "admin.disable": {"vi": "Khoá", "en": "Disable"},
    "admin.enable": {"vi": "Mở khoá", "en": "Enable"},
}
