using System.Diagnostics;
using System.Runtime.InteropServices;
using Pipelines.Onnx;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Cli.Tests;

/// <summary>
/// Stopping and sharing: the built <c>pipelines</c> executable as a second process holds its output folder against this
/// process and stops on SIGTERM at the next step with its checkpoint saved (exit 130); a cancelled run resumes, by the
/// same command, to the same model bytes as a run that was never stopped.
/// </summary>
public sealed partial class CrossProcessTests
{
    private const int SigTerm = 15;
    private const int CancelledExit = 130;

    [Fact]
    public void GraphTrain_InAnotherProcess_HoldsItsFolder_AndStopsOnSigterm_WithItsCheckpointSaved()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // signals and the linux-x64 apphost; the lock itself is covered in-process by RunFolderCommandTests
        }

        using var dir = new TempDirectory();
        string data = ToyTu.Write(dir.File("TOY"));
        string stopped = dir.File("stopped");
        string[] train = ["graph", "train", "--data", data, "--pe", "lap", "--k", "3", "--epochs", "100000", "--hidden", "8", "--layers", "1", "--test-fraction", "0.2", "--out", stopped];

        using Process child = Start(train);
        try
        {
            // Wait for the first checkpoint: the child holds the lock and has trained at least one epoch.
            string state = Path.Combine(stopped, "checkpoint", "state.bin");
            WaitFor(state, () => child.HasExited);
            if (child.HasExited)
            {
                Assert.Fail($"the child ended early (exit {child.ExitCode}): {child.StandardError.ReadToEnd()}");
            }

            Assert.True(File.Exists(state), "no checkpoint after 120 s");

            // A second writer in this process is refused, naming the child.
            (int busy, _, string busyErr) = CliHarness.Run(train);
            Assert.True(busy == 1, $"exit {busy}: {busyErr}");
            Assert.Contains($"is being written by process {child.Id} (graph train, started", busyErr, StringComparison.Ordinal);

            Assert.Equal(0, Kill(child.Id, SigTerm));
            Assert.True(child.WaitForExit(60_000), "the child did not stop within 60 s of SIGTERM");
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }
        }

        string err = child.StandardError.ReadToEnd();
        Assert.True(child.ExitCode == CancelledExit, $"exit {child.ExitCode}: {err}");
        Assert.Contains("SIGTERM: stopping at the next safe point", err, StringComparison.Ordinal);
        Assert.Contains("cancelled: Training stopped after step", err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(stopped, ModelFolder.ModelFileName)), "a stopped run must not write a model");
        Assert.False(File.Exists(Path.Combine(stopped, FolderLock.InfoFileName)), "the stopped child must release its folder");
    }

    [Fact]
    public void GraphTrain_Cancelled_SavesItsStep_AndTheSameCommandResumesToTheSameBytes()
    {
        using var dir = new TempDirectory();
        string data = ToyTu.Write(dir.File("TOY"));
        string[] train(string output) => ["graph", "train", "--data", data, "--pe", "lap", "--k", "3", "--epochs", "120", "--hidden", "8", "--layers", "1", "--test-fraction", "0.2", "--out", output];
        string stopped = dir.File("stopped");

        // Cancel as a first Ctrl+C would, as soon as the first epoch is reported (its checkpoint is written by then).
        using var cancel = new CancellationTokenSource();
        var stdout = new CancelOnText("epoch ", cancel);
        var stderr = new StringWriter();
        int code = Infrastructure.CommandRunner.Invoke(Program.BuildRoot(), train(stopped), stdout, stderr, cancel.Token);
        Assert.True(code == CancelledExit, $"exit {code}: {stderr}");
        Assert.Contains("cancelled: Training stopped after step", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(stopped, ModelFolder.ModelFileName)));

        (int resumed, _, string resumedErr) = CliHarness.Run(train(stopped));
        Assert.True(resumed == 0, resumedErr);
        Assert.Contains("resuming from", resumedErr, StringComparison.Ordinal);
        string straight = dir.File("straight");
        (code, _, string straightErr) = CliHarness.Run(train(straight));
        Assert.True(code == 0, straightErr);
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, ModelFolder.ModelFileName)), File.ReadAllBytes(Path.Combine(stopped, ModelFolder.ModelFileName)));
    }

    /// <summary>Standard output that cancels <paramref name="cancel"/> once <paramref name="text"/> has been written.</summary>
    private sealed class CancelOnText(string text, CancellationTokenSource cancel) : StringWriter(System.Globalization.CultureInfo.InvariantCulture)
    {
        public override void Write(char value)
        {
            base.Write(value);
            Check();
        }

        public override void Write(string? value)
        {
            base.Write(value);
            Check();
        }

        public override void Write(char[] buffer, int index, int count)
        {
            base.Write(buffer, index, count);
            Check();
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            base.Write(buffer);
            Check();
        }

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            Check();
        }

        private void Check()
        {
            if (!cancel.IsCancellationRequested && ToString().Contains(text, StringComparison.Ordinal))
            {
                cancel.Cancel();
            }
        }
    }

    private static void WaitFor(string file, Func<bool> giveUp)
    {
        var wait = Stopwatch.StartNew();
        while (!File.Exists(file) && !giveUp() && wait.Elapsed < TimeSpan.FromSeconds(120))
        {
            Thread.Sleep(10);
        }
    }

    private static Process Start(string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "pipelines"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        Process p = Process.Start(info) ?? throw new InvalidOperationException("could not start pipelines");
        p.OutputDataReceived += (_, _) => { }; // drain stdout so the child never blocks on a full pipe
        p.BeginOutputReadLine();
        return p;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
