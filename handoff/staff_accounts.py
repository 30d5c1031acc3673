"""Staff inbox accounts, from the command line (`make staff-user`).

    python -m handoff.staff_accounts add USERNAME [--name "Jane Roe"]
    python -m handoff.staff_accounts password USERNAME     # a new password
    python -m handoff.staff_accounts disable USERNAME      # (enable: to allow again)
    python -m handoff.staff_accounts unlock USERNAME       # after too many failed sign-ins
    python -m handoff.staff_accounts list

The password is read from standard input, never from the command line (where
other users and the shell history would see it): typed twice at a prompt, or
one line piped in, e.g. from a password manager. At least 12 characters.
The name is what patients see next to the staff member's replies.
The database is HANDOFF_DATABASE_URL (else BOOKINGS_DATABASE_URL, else var/bookings.db).
"""
import argparse
import getpass
import sys
from typing import List, Optional

from handoff.accounts import AccountError, AccountsUnavailable, StaffAccounts


def read_password(confirm: bool = True) -> str:
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if confirm and getpass.getpass("Password again: ") != password:
            raise AccountError("the two passwords differ")
        return password
    return sys.stdin.readline().rstrip("\r\n")


def arguments(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m handoff.staff_accounts",
                                     description="Staff inbox accounts.")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create an account (password from standard input)")
    add.add_argument("username")
    add.add_argument("--name", help="the name patients see (default: the username)")
    for name, text in (("password", "set a new password (from standard input)"),
                       ("disable", "stop an account from signing in"),
                       ("enable", "allow a disabled account again"),
                       ("unlock", "clear the lockout after failed sign-ins")):
        commands.add_parser(name, help=text).add_argument("username")
    commands.add_parser("list", help="list the accounts")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = arguments(argv)
    accounts = StaffAccounts()
    try:
        if args.command == "add":
            if not args.username.strip():
                raise AccountError("give a username, e.g. make staff-user USERNAME=jane")
            accounts.create(args.username, args.name or args.username, read_password())
            print(f"Created the staff account '{args.username.strip().lower()}'.")
        elif args.command == "password":
            accounts.set_password(args.username, read_password())
            print("Password changed.")
        elif args.command in ("disable", "enable"):
            accounts.set_disabled(args.username, args.command == "disable")
            print(f"Account {args.command}d.")
        elif args.command == "unlock":
            accounts.unlock(args.username)
            print("Unlocked.")
        else:
            for row in accounts.list():
                state = "disabled" if row["disabled"] else "locked" if row["locked"] else "active"
                print(f"{row['username']}\t{row['display_name']}\t{state}")
    except AccountError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    except AccountsUnavailable as problem:
        print(f"error: the database is unavailable ({problem})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
