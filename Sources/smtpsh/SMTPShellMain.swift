import SMTPShell

#if canImport(Glibc)
import Glibc
#endif

@main
enum SMTPShellMain {
    static func main() async {
        exit(await SMTPShellCommand.run(Array(CommandLine.arguments.dropFirst())))
    }
}
