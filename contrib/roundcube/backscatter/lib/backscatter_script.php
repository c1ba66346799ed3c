<?php

/**
 * The text side of the backscatter plugin, free of Roundcube and of the
 * network so that it can be tested alone: the triage script written from
 * the user's choices, those choices read back from it, what it does in
 * words, and the two things done to a filter set that Roundcube's own
 * parser would destroy (it drops every test it does not know): reading
 * its require list and adding an include to it as text.
 *
 * Copyright (C) the dovecot-backscatter authors
 * Licensed under the GNU General Public License version 3 or later,
 * as Roundcube's plugins are.
 */
class backscatter_script
{
    /** The Sieve extension whose tests Roundcube's form cannot represent */
    const EXTENSION = 'vnd.backscatter';

    /** Where each kind of message may go */
    const LEGITIMATE = ['folder', 'reason', 'inbox'];
    const BOGUS      = ['discard', 'junk', 'inbox'];
    const UNKNOWN    = ['inbox', 'folder', 'junk'];

    const SETTINGS_PREFIX = '# settings: ';

    /**
     * The choices of a user who chose nothing: the triage of
     * conf.d/sieve/backscatter.sieve. $delimiter is the IMAP hierarchy
     * delimiter, for the default folder of undecidable bounces.
     */
    public static function defaults($delimiter = '/')
    {
        return [
            'legitimate'        => 'folder',
            'legitimate_folder' => 'Bounces',
            'bogus'             => 'discard',
            'unknown'           => 'inbox',
            'unknown_folder'    => 'Bounces' . $delimiter . 'undecided',
        ];
    }

    /**
     * Checks choices as they come from the form or from a script's
     * settings line; returns them complete and clean, or null with the
     * reason (a localization label) in $error.
     */
    public static function validate($input, &$error = null, $delimiter = '/')
    {
        $choices = self::defaults($delimiter);

        foreach (['legitimate' => self::LEGITIMATE, 'bogus' => self::BOGUS,
                  'unknown' => self::UNKNOWN] as $key => $allowed) {
            if (isset($input[$key])) {
                if (!in_array($input[$key], $allowed, true)) {
                    $error = 'badchoice';
                    return null;
                }
                $choices[$key] = $input[$key];
            }
        }

        foreach (['legitimate_folder', 'unknown_folder'] as $key) {
            if (isset($input[$key])) {
                $choices[$key] = trim((string) $input[$key]);
            }
            // A folder is needed only where it is used; but a bad name
            // is refused wherever it is, so that it is not kept silently
            if (!self::folder_ok($choices[$key])) {
                $error = 'badfolder';
                return null;
            }
        }

        return $choices;
    }

    /**
     * A folder name that can go into the script as it is: not empty, one
     * line, and nothing that Sieve's variables would expand ("${").
     */
    public static function folder_ok($name)
    {
        return is_string($name) && $name !== ''
            && strlen($name) <= 200
            && !preg_match('/[\x00-\x1f\x7f]/', $name)
            && strpos($name, '${') === false;
    }

    /**
     * The triage script for the choices (as validate() returns them);
     * $junk is the user's Junk folder, $delimiter the IMAP hierarchy
     * delimiter (for the folders by reason). Lines end in LF.
     */
    public static function generate($choices, $junk = 'Junk', $delimiter = '/')
    {
        $requires = [self::EXTENSION];
        $rules    = [];
        $fileinto = function ($folder) {
            return "\tfileinto :create " . self::quote($folder) . ";\n";
        };

        switch ($choices['legitimate']) {
        case 'folder':
            $rules[] = "if backscatter \"legitimate\" {\n"
                . $fileinto($choices['legitimate_folder'])
                . "\tstop;\n}\n";
            break;
        case 'reason':
            $prefix  = $choices['legitimate_folder'] . $delimiter;
            $rules[] = "if backscatter \"legitimate\" {\n"
                . "\tif bounce :kind \"autoreply\" {\n"
                . "\t" . $fileinto($prefix . 'autoreply')
                . "\t} else {\n"
                . "\t" . $fileinto($prefix . '${bounce.reason}')
                . "\t}\n"
                . "\tstop;\n}\n";
            $requires[] = 'variables';
            break;
        }

        switch ($choices['bogus']) {
        case 'discard':
            $rules[] = "if backscatter \"bogus\" {\n\tdiscard;\n\tstop;\n}\n";
            break;
        case 'junk':
            $rules[] = "if backscatter \"bogus\" {\n"
                . $fileinto($junk) . "\tstop;\n}\n";
            break;
        }

        switch ($choices['unknown']) {
        case 'folder':
            $rules[] = "if backscatter \"unknown\" {\n"
                . $fileinto($choices['unknown_folder']) . "\tstop;\n}\n";
            break;
        case 'junk':
            $rules[] = "if backscatter \"unknown\" {\n"
                . $fileinto($junk) . "\tstop;\n}\n";
            break;
        }

        if (strpos(implode('', $rules), 'fileinto') !== false) {
            array_splice($requires, 1, 0, ['fileinto', 'mailbox']);
        }

        $settings = [];
        foreach (array_keys(self::defaults()) as $key) {
            $settings[$key] = $choices[$key];
        }

        return "# Bounces and backscatter, as chosen on Roundcube's settings page\n"
            . "# of that name (plugin backscatter), which writes this script anew:\n"
            . "# change it there, or as text; a filter form would delete its rules.\n"
            . self::SETTINGS_PREFIX
            . json_encode($settings, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE)
            . "\n"
            . 'require [' . implode(', ', array_map([self::class, 'quote'], $requires)) . "];\n"
            . ($rules ? "\n" . implode('', $rules) : '');
    }

    /**
     * The choices a script was written from, when it is exactly what
     * generate() writes for them (so the words describe what it does);
     * null for a script written or changed by anyone else.
     */
    public static function parse($text, $junk = 'Junk', $delimiter = '/')
    {
        $text = str_replace("\r\n", "\n", (string) $text);

        if (!preg_match('/^' . preg_quote(self::SETTINGS_PREFIX, '/') . '(\{.*\})$/m', $text, $m)) {
            return null;
        }
        $input = json_decode($m[1], true);
        if (!is_array($input) || !($choices = self::validate($input, $error, $delimiter))) {
            return null;
        }

        // Line ends and the end of the text as a ManageSieve client
        // hands them over (Net_Sieve adds a line end) do not count
        return rtrim(self::generate($choices, $junk, $delimiter)) === rtrim($text)
            ? $choices : null;
    }

    /**
     * What a script written for the choices does, as localization labels
     * with their variables: [[label, vars], ...]
     */
    public static function describe($choices, $junk = 'Junk', $delimiter = '/')
    {
        $out = [];

        switch ($choices['legitimate']) {
        case 'folder':
            $out[] = ['saylegitimatefolder', ['folder' => $choices['legitimate_folder']]];
            break;
        case 'reason':
            $out[] = ['saylegitimatereason', [
                'folder'    => $choices['legitimate_folder'],
                'example'   => $choices['legitimate_folder'] . $delimiter . 'userunknown',
                'autoreply' => $choices['legitimate_folder'] . $delimiter . 'autoreply',
            ]];
            break;
        default:
            $out[] = ['saylegitimateinbox', []];
        }

        switch ($choices['bogus']) {
        case 'discard':
            $out[] = ['saybogusdiscard', []];
            break;
        case 'junk':
            $out[] = ['saybogusjunk', ['folder' => $junk]];
            break;
        default:
            $out[] = ['saybogusinbox', []];
        }

        switch ($choices['unknown']) {
        case 'folder':
            $out[] = ['sayunknownfolder', ['folder' => $choices['unknown_folder']]];
            break;
        case 'junk':
            $out[] = ['sayunknownjunk', ['folder' => $junk]];
            break;
        default:
            $out[] = ['sayunknowninbox', []];
        }

        return $out;
    }

    /** A Sieve quoted string */
    public static function quote($s)
    {
        return '"' . addcslashes($s, "\"\\") . '"';
    }

    /**
     * Sieve's tokens, enough to find commands and their arguments without
     * understanding them: [type, value, start, end] with type one of
     * 'word' (identifiers and :tags), 'string', 'number' or the
     * punctuation character itself. Comments are skipped.
     */
    public static function tokens($text)
    {
        $tokens = [];
        $n      = strlen($text);
        $i      = 0;

        while ($i < $n) {
            $c = $text[$i];

            if (ctype_space($c)) {
                $i++;
            }
            else if ($c === '#') {
                $e = strpos($text, "\n", $i);
                $i = $e === false ? $n : $e + 1;
            }
            else if ($c === '/' && substr($text, $i, 2) === '/*') {
                $e = strpos($text, '*/', $i + 2);
                $i = $e === false ? $n : $e + 2;
            }
            else if ($c === '"') {
                $value = '';
                for ($j = $i + 1; $j < $n && $text[$j] !== '"'; $j++) {
                    if ($text[$j] === '\\' && $j + 1 < $n) {
                        $j++;
                    }
                    $value .= $text[$j];
                }
                $tokens[] = ['string', $value, $i, min($j + 1, $n)];
                $i = $j + 1;
            }
            else if (preg_match('/\Gtext:[ \t]*(#[^\n]*)?\r?\n/Ai', $text, $m, 0, $i)) {
                // A multi-line string ends with a line holding only "."
                $start = $i + strlen($m[0]);
                if (preg_match('/^\.\r?$/m', $text, $e, PREG_OFFSET_CAPTURE, $start)) {
                    $end = $e[0][1] + strlen($e[0][0]);
                }
                else {
                    $end = $n;
                }
                $tokens[] = ['string', substr($text, $start, max(0, $end - $start)), $i, $end];
                $i = $end;
            }
            else if (preg_match('/\G:?[A-Za-z_][A-Za-z0-9_]*/A', $text, $m, 0, $i)) {
                $tokens[] = ['word', strtolower($m[0]), $i, $i + strlen($m[0])];
                $i += strlen($m[0]);
            }
            else if (preg_match('/\G[0-9]+[KMGkmg]?/A', $text, $m, 0, $i)) {
                $tokens[] = ['number', $m[0], $i, $i + strlen($m[0])];
                $i += strlen($m[0]);
            }
            else {
                $tokens[] = [$c, $c, $i, $i + 1];
                $i++;
            }
        }

        return $tokens;
    }

    /**
     * The commands of a script as [name, [arguments...], start, end]:
     * each command's first word with the tokens up to its ";" or "{".
     * Tests inside an "if" are arguments of the "if".
     */
    public static function commands($text)
    {
        $commands = [];
        $current  = null;

        foreach (self::tokens($text) as $token) {
            if ($current === null) {
                if ($token[0] === 'word') {
                    $current = [$token[1], [], $token[2], $token[3]];
                }
                continue;
            }
            if ($token[0] === ';' || $token[0] === '{') {
                $current[3] = $token[3];
                $commands[] = $current;
                $current    = null;
                continue;
            }
            $current[1][] = $token;
            $current[3]   = $token[3];
        }

        if ($current !== null) {
            $commands[] = $current;
        }

        return $commands;
    }

    /** The extensions a script requires, lower-cased */
    public static function requires($text)
    {
        $exts = [];

        foreach (self::commands($text) as $command) {
            if ($command[0] !== 'require') {
                continue;
            }
            foreach ($command[1] as $token) {
                if ($token[0] === 'string') {
                    $exts[] = strtolower($token[1]);
                }
            }
        }

        return array_values(array_unique($exts));
    }

    /**
     * Whether a filter form that rewrites the set would lose rules of it:
     * it requires vnd.backscatter, whose tests no form knows
     */
    public static function form_would_lose_rules($text)
    {
        return in_array(self::EXTENSION, self::requires($text), true);
    }

    /** Whether the set includes the personal script $name */
    public static function includes($text, $name)
    {
        foreach (self::commands($text) as $command) {
            if ($command[0] !== 'include') {
                // "if true { include ... }": the include is its own
                // command after the "{"
                continue;
            }
            $global = false;
            $target = null;
            foreach ($command[1] as $token) {
                if ($token[0] === 'word' && $token[1] === ':global') {
                    $global = true;
                }
                else if ($token[0] === 'string') {
                    $target = $token[1];
                }
            }
            if (!$global && $target === $name) {
                return true;
            }
        }

        return false;
    }

    /**
     * The set with an include of the personal script $name added as its
     * first rule, in the form Roundcube's own editor writes ("if true" is
     * its "all messages"), so that the form shows it and keeps it. The
     * rest of the text is left exactly as it was: the rule goes after
     * the leading require commands, with a require of its own. Returns
     * the text unchanged when the set includes $name already.
     */
    public static function add_include($text, $name, $rule_name = 'Bounces and backscatter')
    {
        $text = (string) $text;
        if (self::includes($text, $name)) {
            return $text;
        }

        $eol   = strpos($text, "\r\n") !== false ? "\r\n" : "\n";
        $block = 'require ["include"];' . $eol
            . '# rule:[' . preg_replace('/[\r\n\]]+/', ' ', $rule_name) . ']' . $eol
            . 'if true' . $eol . '{' . $eol
            . "\tinclude :personal " . self::quote($name) . ';' . $eol
            . '}' . $eol;

        // After the last require that comes before any other command
        $at = null;
        foreach (self::commands($text) as $command) {
            if ($command[0] !== 'require') {
                if ($at === null) {
                    // Before the first command's line and the name
                    // Roundcube gave it; other comments above it (the
                    // set's header) stay on top
                    $at = strrpos(substr($text, 0, $command[2]), "\n");
                    $at = $at === false ? 0 : $at + 1;
                    while ($at > 0) {
                        $prev = strrpos(substr($text, 0, $at - 1), "\n");
                        $prev = $prev === false ? 0 : $prev + 1;
                        if (strpos(substr($text, $prev, $at - $prev), '# rule:[') !== 0) {
                            break;
                        }
                        $at = $prev;
                    }
                }
                break;
            }
            $nl = strpos($text, "\n", $command[3]);
            $at = $nl === false ? strlen($text) : $nl + 1;
        }
        if ($at === null) {
            $at = strlen($text);
        }

        $before = substr($text, 0, $at);
        if ($before !== '' && substr($before, -1) !== "\n") {
            $before .= $eol;
        }

        return $before . $block . substr($text, $at);
    }
}
