import SMTPShell

@main
enum SMTPShellMain {
    static func main() async {
        await SMTPShellCommand.main()
    }
}
