<?php

/**
 * The backscatter plugin's side of Roundcube's managesieve engine: the
 * user's ManageSieve connection as the managesieve plugin makes it (its
 * settings, its managesieve_connect hook), used to read and write scripts
 * as text. Nothing here goes through Roundcube's Sieve parser, which
 * drops the tests it does not know: every set is read and written as
 * the server holds it.
 *
 * Copyright (C) the dovecot-backscatter authors
 * Licensed under the GNU General Public License version 3 or later,
 * as Roundcube's plugins are.
 */
class rcube_sieve_backscatter extends rcube_sieve_engine
{
    /** The scripts written by this instance */
    private $written = [];

    /**
     * Logs in to the user's ManageSieve server; 0 on success, else
     * rcube_sieve's error code
     */
    public function open()
    {
        if ($this->sieve) {
            return 0;
        }

        return $this->connect($_SESSION['username'], $this->rc->decrypt($_SESSION['password']));
    }

    /** The server's Sieve extensions, lower-cased */
    public function extensions()
    {
        return (array) $this->sieve->get_extensions();
    }

    /** The names of the user's scripts */
    public function scripts()
    {
        return (array) $this->sieve->get_scripts();
    }

    /** The active script's name, or null */
    public function active()
    {
        $active = $this->sieve->get_active();

        return is_string($active) && $active !== '' ? $active : null;
    }

    /**
     * A script's text as the server holds it, or null if there is none
     * (rcube_sieve keeps its list of scripts as it was at login: add
     * what was written since)
     */
    public function read($name)
    {
        if (!in_array($name, $this->scripts(), true) && !isset($this->written[$name])) {
            return null;
        }

        $text = $this->sieve->get_script($name);
        if (!is_string($text)) {
            return null;
        }

        // Net_Sieve hands over the line end that follows the script in
        // the GETSCRIPT response: the script is what comes before it
        if (substr($text, -2) === "\r\n") {
            $text = substr($text, 0, -2);
        }

        return $text;
    }

    /**
     * Stores a script as text (PUTSCRIPT: the server compiles it first);
     * true, or the server's complaint
     */
    public function write($name, $text)
    {
        if ($this->sieve->save_script($name, $text)) {
            $this->written[$name] = true;
            return true;
        }

        $lines = [];
        foreach ($this->sieve->get_error_lines() as $line) {
            $lines[] = 'line ' . $line['line'] . ': ' . trim((string) $line['msg']);
        }

        return $lines ? implode('; ', $lines) : 'the server refused the script';
    }

    /** Makes a script the active one */
    public function make_active($name)
    {
        return (bool) $this->sieve->activate($name);
    }

    /**
     * Writes the triage script $name, then makes the active set run it:
     * adds an include of it, as text, where it is missing (the rest of
     * the set stays as it was), or, with no active set, adds it to the
     * set $default_set (created when missing) and activates that.
     * $rule_name names the include's rule in Roundcube's form. True, or
     * [label, what went wrong]: label "saveerror" when the script was
     * not written, "includeerror" when the set was not changed.
     */
    public function store($name, $text, $default_set, $rule_name)
    {
        if (($result = $this->write($name, $text)) !== true) {
            return ['saveerror', $result];
        }

        $active = $this->active();
        if ($active === $name) {
            return true;
        }

        $set = $active === null ? $default_set : $active;
        if ($set === $name) {
            return ['includeerror', "the set $set would include itself"];
        }
        $old = $this->read($set);
        if ($old === null && $active !== null) {
            return ['includeerror', "cannot read the set $set"];
        }
        $new = backscatter_script::add_include((string) $old, $name, $rule_name);
        if ($new !== $old && ($result = $this->write($set, $new)) !== true) {
            return ['includeerror', $result];
        }
        if ($active === null && !$this->make_active($set)) {
            return ['includeerror', "cannot activate the set $set"];
        }

        return true;
    }
}
